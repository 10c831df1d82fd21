// Escrow shards for one hot SKU (docs/decisions/020-escrow-shards.md): the
// SKU's stock is split into allotments, one per shard object, plus a pool kept
// by the coordinator (the object named after the SKU, which is also shard 0).
// Units move between the pool and a shard as numbered transfers on a channel
// per shard; the giver lowers its side durably before the message leaves, the
// receiver applies a transfer only if it is the next number on the channel,
// so a retried transfer is applied once and a crash between any two steps
// never puts a unit in two places. Pure: no Workers imports, no clock.

/** docs/api.md, "Shards": shards 1..64. */
export const MAX_SHARDS = 64;
/**
 * After the coordinator answered "nothing left" a shard answers sold_out
 * without asking again for this long: the edge's own freshness bound
 * (worker/edge-snapshot.ts), so a sold-out SKU costs no coordinator call per
 * attempt, and a unit that came back elsewhere is sellable here this much later.
 */
export const EXHAUSTED_MEMO_MS = 100;
/** Transfers the coordinator keeps pending per shard before it refuses to grant more (a bound, never reached in order). */
export const MAX_PENDING_TRANSFERS = 64;

/** One numbered transfer of units on a coordinator ⇄ shard channel. */
export interface Transfer {
	seq: number;
	units: number;
}

/** The coordinator's side: the SKU's total, the pool, and each channel's numbers. */
export interface PoolLedger {
	total: number;
	pool: number;
	shards: number;
	/** Per shard: the number of the last grant issued. */
	grantSeq: number[];
	/** Per shard: grants issued and not yet known to be applied, in number order. */
	pending: Transfer[][];
	/** Per shard: the number of the last give-back credited to the pool. */
	lastReturn: number[];
}

/** A shard's side of its channel (its allotment is its Inventory's totalStock). */
export interface ShardLedger {
	index: number;
	shards: number;
	/** The number of the last grant added to the allotment. */
	lastGrant: number;
	/** The number of the last give-back taken off the allotment. */
	returnSeq: number;
	/** Give-backs taken off the allotment and not yet known to be credited, in number order. */
	pendingReturns: Transfer[];
}

export function newPool(total: number, shards: number): PoolLedger {
	return {
		total,
		pool: total,
		shards,
		grantSeq: Array.from({ length: shards }, () => 0),
		pending: Array.from({ length: shards }, () => []),
		lastReturn: Array.from({ length: shards }, () => 0),
	};
}

export function newShardLedger(index: number, shards: number): ShardLedger {
	return { index, shards, lastGrant: 0, returnSeq: 0, pendingReturns: [] };
}

/** Each shard's first grant: half of the stock split evenly, the other half stays in the pool for skew. */
export function initialShare(total: number, shards: number): number {
	return Math.floor(total / (2 * shards));
}

/** What a shard that runs low is granted (at most what the pool holds). */
export function chunkSize(total: number, shards: number): number {
	return Math.max(1, Math.ceil(total / (4 * shards)));
}

/** Below this many available units a shard asks for more, before it would answer sold_out. */
export function lowWater(total: number, shards: number): number {
	return Math.max(1, Math.ceil(chunkSize(total, shards) / 4));
}

/** Folding back: a shard gives back half of its available units, rounded up so the last one moves too. */
export function foldBackAsk(available: number): number {
	return Math.ceil(Math.max(0, available) / 2);
}

/**
 * G1: the pool is lowered and the grant recorded, one transaction; null when the
 * pool is empty. `opening`: a shard's first grant at create, recorded even when it
 * carries no unit (a stock below 2 per shard), because its delivery is what
 * creates the shard's object — and a recorded grant is re-sent until it arrives.
 */
export function issueGrant(
	ledger: PoolLedger,
	shard: number,
	units: number,
	opening = false,
): Transfer | null {
	const pending = ledger.pending[shard];
	if (pending === undefined) throw new RangeError(`no shard ${shard}`);
	const granted = Math.max(0, Math.min(units, ledger.pool));
	if ((granted === 0 && !opening) || pending.length >= MAX_PENDING_TRANSFERS) return null;
	ledger.pool -= granted;
	const seq = (ledger.grantSeq[shard] ?? 0) + 1;
	ledger.grantSeq[shard] = seq;
	const transfer = { seq, units: granted };
	pending.push(transfer);
	return transfer;
}

/**
 * G2 at the shard: the allotment after the grant. Only the next number on the
 * channel is added; an older one is a retry (no change), a later one waits for
 * its predecessor (the coordinator re-sends pending grants in order).
 */
export function applyGrant(ledger: ShardLedger, allotment: number, t: Transfer): number {
	if (t.seq !== ledger.lastGrant + 1) return allotment;
	ledger.lastGrant = t.seq;
	return allotment + t.units;
}

/** G3: grants the shard reports applied (its lastGrant) are no longer pending. */
export function confirmGrants(ledger: PoolLedger, shard: number, lastGrant: number): void {
	const pending = ledger.pending[shard];
	if (pending === undefined) return;
	ledger.pending[shard] = pending.filter((t) => t.seq > lastGrant);
}

/**
 * R1 at the shard: gives back up to `asked` of its unsold, unheld units; the
 * allotment is lowered in the same transaction as the give-back is recorded.
 * Null when nothing is available.
 */
export function giveBack(
	ledger: ShardLedger,
	allotment: number,
	used: number,
	asked: number,
): { allotment: number; transfer: Transfer } | null {
	const units = Math.min(asked, allotment - used);
	if (units <= 0) return null;
	ledger.returnSeq += 1;
	const transfer = { seq: ledger.returnSeq, units };
	ledger.pendingReturns.push(transfer);
	return { allotment: allotment - units, transfer };
}

/** R2 at the coordinator: true when the give-back was credited now (a retry or a gap credits nothing). */
export function receiveReturn(ledger: PoolLedger, shard: number, t: Transfer): boolean {
	const last = ledger.lastReturn[shard];
	if (last === undefined || t.seq !== last + 1) return false;
	ledger.lastReturn[shard] = t.seq;
	ledger.pool += t.units;
	return true;
}

/** R3: give-backs the coordinator reports credited are no longer pending. */
export function ackReturns(ledger: ShardLedger, lastReturn: number): void {
	ledger.pendingReturns = ledger.pendingReturns.filter((t) => t.seq > lastReturn);
}

/** PATCH totalStock up: the new units go to the pool. */
export function raiseTotal(ledger: PoolLedger, by: number): void {
	ledger.total += by;
	ledger.pool += by;
}

/** PATCH totalStock down: only from the pool; false (no change) when it holds less. */
export function lowerTotal(ledger: PoolLedger, by: number): boolean {
	if (ledger.pool < by) return false;
	ledger.total -= by;
	ledger.pool -= by;
	return true;
}

/**
 * Units in flight: issued grants the shard has not applied, plus give-backs the
 * coordinator has not credited. They are in neither the pool nor an allotment,
 * so pool + Σ allotments + inFlight = total at every step.
 */
export function inFlight(pool: PoolLedger, shards: readonly ShardLedger[]): number {
	let units = 0;
	for (const shard of shards) {
		for (const t of pool.pending[shard.index] ?? []) if (t.seq > shard.lastGrant) units += t.units;
		const credited = pool.lastReturn[shard.index] ?? 0;
		for (const t of shard.pendingReturns) if (t.seq > credited) units += t.units;
	}
	return units;
}

/** The object holding shard `index` of `sku`: shard 0 is the SKU's own object (the coordinator). */
export function shardName(sku: string, index: number): string {
	return index === 0 ? sku : `${sku}#${index}`;
}

/** `<sku>` → 0, `<sku>#<i>` → i; null when `name` is neither for a shard count of `shards`. */
export function shardIndexOf(name: string, sku: string, shards: number): number | null {
	if (name === sku) return 0;
	if (!name.startsWith(`${sku}#`)) return null;
	const digits = name.slice(sku.length + 1);
	if (!/^[1-9][0-9]?$/.test(digits)) return null;
	const index = Number(digits);
	return index < shards ? index : null;
}

/**
 * The shard a session's attempts go to: FNV-1a (32 bit) of the session id,
 * modulo the shard count. Stable across isolates and restarts, so one buyer's
 * purchase limit and Idempotency-Key replays are decided by one object.
 */
export function shardOf(sessionId: string, shards: number): number {
	if (shards <= 1) return 0;
	let hash = 0x811c9dc5;
	for (let i = 0; i < sessionId.length; i++) {
		hash ^= sessionId.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash % shards;
}
