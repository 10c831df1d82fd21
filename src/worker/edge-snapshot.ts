// The edge's copy of each SKU's state, in this isolate's memory (docs/hot-path/how-it-works.md,
// "Answers at the edge"). Sold-out and not-started answers, and availability
// reads, are served from it while it is at most EDGE_SNAPSHOT_MAX_AGE_MS old,
// without a call to the SKU's object; an older copy is refreshed by the
// request that finds it stale (no request ever waits on another's promise:
// workerd cancels continuations resolved from another request's context).
//
// Every reserve answer carries the object's state right after its batch, so
// under load the copy is refreshed for free. Units that come back (cancel,
// expiry, a failed payment) are sellable again through the edge at most
// EDGE_SNAPSHOT_MAX_AGE_MS later; a cancel through this isolate forgets the
// copy at once. `asOf` is the object's clock at the moment the copy was taken,
// so a reader always sees how old it is (docs/hot-path/how-it-works.md).
//
// Ages count from when the call that brought a copy was SENT, on this isolate's clock: the
// object took the copy after that, so the bound holds whatever the reply then waited for (the
// commit's fsync, the way back, a coalesced waiter's next look). Counting from the arrival
// would let a copy be the bound plus a round trip old (docs/decisions/054-edge-copy-age.md).

import { BoundedMap } from "../domain/rate-counters.ts";
import type { EdgeSnapshot } from "../inventory/rpc.ts";

/**
 * How stale an edge answer may be. 100 ms is below what a person can notice
 * between two clicks, and it bounds the edge's refresh calls to 10 a second per
 * SKU per isolate however hot the SKU is.
 */
export const EDGE_SNAPSHOT_MAX_AGE_MS = 100;
/**
 * A copy this old is refreshed ahead of time: the first request that answers from it also asks
 * the object in the background (waitUntil), while the copy is still fresh enough to answer from.
 * Under steady load the copy then never goes stale, so no request waits on the object for a read
 * or a sold-out; without it, every request arriving while a stale copy was being refreshed went
 * to the object itself (docs/hot-path/edge-cost.md, "The edge's per-request cost").
 */
export const EDGE_SNAPSHOT_REFRESH_AFTER_MS = EDGE_SNAPSHOT_MAX_AGE_MS / 2;
/** SKUs whose copy an isolate keeps; the least recently used is forgotten first. */
export const MAX_EDGE_SNAPSHOTS = 1_000;
/** (SKU, session) pairs remembered as "has read the product" for the bot signal. */
export const MAX_EDGE_READERS = 100_000;

interface Copy {
	snapshot: EdgeSnapshot;
	/**
	 * This isolate's clock when the call that brought the copy was sent: the object took the copy
	 * no earlier, so the copy is at most `now - takenAfterMs` old.
	 */
	takenAfterMs: number;
	/** This isolate's clock when a background refresh was sent, while one is in flight. */
	refreshSentAtMs: number | null;
}

const copies = new BoundedMap<Copy>(MAX_EDGE_SNAPSHOTS);
/** SKUs split across shards: their shard count (never changes after create; absent: one object). */
const shardCounts = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);

/**
 * Split SKUs a shard just called sold out as a whole (no shard and not the pool had a
 * unit): this isolate's clock until which the edge repeats it. Answered like a copy that
 * says sold out.
 */
const soldOutUntil = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);
/**
 * This isolate's clock when it last changed the SKU itself (cancel, checkout, reset, update):
 * a copy or sold-out whose call was sent no later may predate the change, and is not kept.
 */
const forgottenAt = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);

/** True when a call sent at `sentAtMs` may have been answered before this isolate's last change. */
function predatesChange(sku: string, sentAtMs: number): boolean {
	const at = forgottenAt.peek(sku);
	return at !== undefined && sentAtMs <= at;
}

/**
 * A shard answered its sold-out memo (inventory/escrow-shard.ts) to a call sent at `sentAtMs`,
 * with `memoLeftMs` of the memo left when it decided. The memo ends no earlier than
 * `sentAtMs + memoLeftMs` (it decided after the send), and never later than the edge's own bound,
 * so the edge repeats the answer until then and not a fresh bound from when it heard.
 */
export function rememberSoldOut(sku: string, sentAtMs: number, memoLeftMs: number): void {
	if (memoLeftMs <= 0 || predatesChange(sku, sentAtMs)) return;
	const untilMs = sentAtMs + Math.min(memoLeftMs, EDGE_SNAPSHOT_MAX_AGE_MS);
	const known = soldOutUntil.peek(sku);
	if (known !== undefined && known >= untilMs) return;
	soldOutUntil.delete(sku);
	soldOutUntil.use(sku, () => untilMs);
}

/** True while a split SKU's sold-out is fresh enough to repeat without a call. */
export function freshSoldOut(sku: string, nowMs: number): boolean {
	const untilMs = soldOutUntil.peek(sku);
	return untilMs !== undefined && nowMs < untilMs;
}

/** The SKU's shard count as this isolate knows it (1 until an object said otherwise). */
export function shardsOf(sku: string): number {
	return shardCounts.peek(sku) ?? 1;
}

export function rememberShards(sku: string, shards: number | undefined): void {
	if (shards !== undefined && shards > 1) shardCounts.use(sku, () => shards);
}

/**
 * The SKU's shard count when an object told this isolate (fixed at the SKU's create, so good for
 * the isolate's life); undefined when none has. A one-object SKU's 1 is kept only once its object
 * said so (rememberShardCount): an answer that carries no count says nothing.
 */
export function knownShardCount(sku: string): number | undefined {
	return shardCounts.peek(sku);
}

/** The count the SKU's own object answered (worker/known-shard.ts), 1 included. */
export function rememberShardCount(sku: string, shards: number): void {
	shardCounts.delete(sku);
	shardCounts.use(sku, () => shards);
}
const readers = new BoundedMap<true>(MAX_EDGE_READERS);

/**
 * Keeps `snapshot`, brought by a call sent at `sentAtMs` (this isolate's clock), as the SKU's
 * copy, unless the copy already kept was sent for later (an answer of an older batch collected
 * late must not put back an older state) or the call may predate this isolate's last change
 * of the SKU (a pre-cancel "sold out" must not come back after forgetSnapshot).
 */
export function rememberSnapshot(sku: string, snapshot: EdgeSnapshot, sentAtMs: number): void {
	rememberShards(sku, snapshot.shards);
	if (predatesChange(sku, sentAtMs)) return;
	const copy = copies.use(sku, () => ({
		snapshot,
		takenAfterMs: sentAtMs,
		refreshSentAtMs: null,
	}));
	if (copy.takenAfterMs > sentAtMs) return;
	copy.snapshot = snapshot;
	copy.takenAfterMs = sentAtMs;
}

/**
 * True when refreshAhead would send a refresh now: a caller checks this first, so the closures it
 * hands refreshAhead are built only for the one request in EDGE_SNAPSHOT_REFRESH_AFTER_MS that
 * sends (docs/hot-path/edge-cost.md, "Edge CPU of a reserve and a sold-out answer").
 */
export function refreshDue(sku: string, nowMs: number): boolean {
	const copy = copies.peek(sku);
	if (copy === undefined || nowMs - copy.takenAfterMs < EDGE_SNAPSHOT_REFRESH_AFTER_MS)
		return false;
	return copy.refreshSentAtMs === null || nowMs - copy.refreshSentAtMs >= EDGE_SNAPSHOT_MAX_AGE_MS;
}

/**
 * Split SKUs with no copy whose first one was asked for in the background (seedDue): this
 * isolate's clock when the call was sent, while it is in flight.
 */
const seeding = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);

/**
 * True when refreshAhead would ask for a SKU's first copy now: none is kept and none is asked for
 * (one that has not answered within the bound no longer blocks). A split SKU's reserve answers
 * carry no copy (a shard's counters are not the SKU's), so once a shard said the whole SKU is sold
 * out, the edge asks the coordinator for its merged copy and answers from it from then on, as on
 * one object (docs/decisions/145-a-split-skus-sold-out-at-the-edge.md).
 */
export function seedDue(sku: string, nowMs: number): boolean {
	if (copies.peek(sku) !== undefined) return false;
	const sentAtMs = seeding.peek(sku);
	return sentAtMs === undefined || nowMs - sentAtMs >= EDGE_SNAPSHOT_MAX_AGE_MS;
}

/**
 * Starts a background refresh of the SKU's copy when it is past EDGE_SNAPSHOT_REFRESH_AFTER_MS and
 * none is in flight, or asks for its first copy when seedDue; `load` asks the object, `defer`
 * keeps the call alive past the response (executionCtx.waitUntil). Nobody waits on the refresh: it
 * only replaces the copy. The new copy counts as taken when the refresh was sent (the object
 * answered after that), and it replaces only a copy sent for earlier (rememberSnapshot), so a
 * newer reserve answer is kept.
 */
export function refreshAhead(
	sku: string,
	nowMs: number,
	load: () => Promise<EdgeSnapshot | null>,
	defer: (refresh: Promise<unknown>) => void,
): void {
	const copy = copies.peek(sku);
	if (copy === undefined) {
		if (seedDue(sku, nowMs)) seed(sku, nowMs, load, defer);
		return;
	}
	// One refresh in flight per copy; one that has not answered within the bound no longer blocks.
	if (copy === undefined || !refreshDue(sku, nowMs)) return;
	copy.refreshSentAtMs = nowMs;
	defer(
		load().then(
			(snapshot) => {
				if (copy.refreshSentAtMs === nowMs) copy.refreshSentAtMs = null;
				if (snapshot !== null) rememberSnapshot(sku, snapshot, nowMs);
			},
			(error: unknown) => {
				// The copy then ages out and the next request asks the object itself.
				if (copy.refreshSentAtMs === nowMs) copy.refreshSentAtMs = null;
				console.warn("edge snapshot refresh failed", String(error));
			},
		),
	);
}

function seed(
	sku: string,
	nowMs: number,
	load: () => Promise<EdgeSnapshot | null>,
	defer: (refresh: Promise<unknown>) => void,
): void {
	seeding.delete(sku);
	seeding.use(sku, () => nowMs);
	const done = () => {
		if (seeding.peek(sku) === nowMs) seeding.delete(sku);
	};
	defer(
		load().then(
			(snapshot) => {
				done();
				if (snapshot !== null) rememberSnapshot(sku, snapshot, nowMs);
			},
			(error: unknown) => {
				// The shard's sold-out memo still answers while it lasts; the next one asks again.
				done();
				console.warn("edge snapshot seed failed", String(error));
			},
		),
	);
}

/**
 * Something changed the SKU through this isolate (cancel, checkout, reset, update), answered at
 * `nowMs`: ask the object next time, and keep no copy from a call sent before then (it may
 * have been taken before the change: a reserve answer of an older batch collected late).
 */
export function forgetSnapshot(sku: string, nowMs: number = Date.now()): void {
	copies.delete(sku);
	soldOutUntil.delete(sku);
	const known = forgottenAt.peek(sku);
	forgottenAt.delete(sku);
	forgottenAt.use(sku, () => Math.max(known ?? nowMs, nowMs));
}

/** The SKU's copy if it is fresh enough to answer from, else null. */
export function freshSnapshot(sku: string, nowMs: number): EdgeSnapshot | null {
	const copy = copies.peek(sku);
	if (copy === undefined || nowMs - copy.takenAfterMs > EDGE_SNAPSHOT_MAX_AGE_MS) return null;
	return copy.snapshot;
}

/**
 * The answer the object would give for `quantity` units that needs no
 * decision of its own: not started, or fewer units available than asked.
 * Null when only the object can decide (including every attempt that could
 * succeed). Mirrors the order of checks in domain/inventory-stock.ts (`check`).
 *
 * Never an answer on a SKU with an enabled waiting room: there the object answers a session
 * that is not admitted 429 `queued` with its ticket, whatever the stock (its gate comes before
 * the stock), and only an admitted one sold_out; the edge cannot tell the two apart, so an
 * unkeyed attempt gets what a keyed one gets (docs/waiting-room.md, "Reserve gate";
 * docs/decisions/106-room-answers-limits-and-the-cost-lock.md).
 */
export function edgeRejection(
	snapshot: EdgeSnapshot,
	quantity: number,
	nowMs: number,
): "not_started" | "sold_out" | null {
	if (snapshot.waitingRoom === true) return null;
	if (snapshot.startsAtMs !== null && nowMs < snapshot.startsAtMs) return "not_started";
	if (snapshot.availability.available < quantity) return "sold_out";
	return null;
}

export function markReader(sku: string, sessionId: string): void {
	readers.use(`${sku}\u0000${sessionId}`, () => true);
}

export function hasRead(sku: string, sessionId: string): boolean {
	return readers.peek(`${sku}\u0000${sessionId}`) === true;
}
