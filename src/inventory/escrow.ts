// The coordinator's side of the escrow of a SKU split across shards
// (docs/decisions/020-escrow-shards.md; the protocol is src/domain/escrow.ts): the
// pool in shard 0, the object named `<sku>` — grants, give-backs, folding back,
// settling before a whole-SKU view and changes of totalStock (run in a turn here, decided in
// inventory/escrow-total.ts). Every object's own
// allotment (the coordinator's too) is inventory/escrow-shard.ts, which this class
// extends: an object of a split SKU holds one Escrow, with a pool in shard 0 only.

import {
	applyGrant,
	confirmGrants,
	initialShare,
	issueGrant,
	newPool,
	newShardLedger,
	type PoolLedger,
	receiveReturn,
	type Transfer,
} from "../domain/escrow.ts";
import type { Inventory } from "../domain/inventory.ts";
import { MoveGate } from "./escrow-moves.ts";
import { EscrowPushes } from "./escrow-pushes.ts";
import { ESCROW_RETRY_MS, type EscrowHost } from "./escrow-shard.ts";
import {
	changeTotalNow,
	forgetSoldOutElsewhere,
	type TotalChange,
	type TotalHost,
} from "./escrow-total.ts";
import { HOLDS_BY_CREATED_INDEX } from "./schema.ts";
import { resetsOwed } from "./shard-resets.ts";
import { settingsOwed } from "./shard-settings.ts";

/** An object's escrow: its allotment (ShardEscrow) and, in the coordinator only, the pool. */
export class Escrow extends EscrowPushes {
	/** The coordinator at create: the whole stock goes to the pool, then each shard's first grant. */
	static createCoordinator(
		host: EscrowHost,
		inv: Inventory,
		shards: number,
		nowMs: number,
	): Escrow {
		const total = inv.product.totalStock;
		const pool = newPool(total, shards);
		const escrow = new Escrow(host, {
			sku: inv.product.sku,
			shard: newShardLedger(0, shards),
			pool,
		});
		inv.setAllotment(0, nowMs, { pool: total, shards });
		const share = initialShare(total, shards);
		for (let i = 1; i < shards; i++) issueGrant(pool, i, share, true);
		escrow.grantToSelf(inv, share, nowMs);
		escrow.save();
		if (shards > 1) host.wake(nowMs + ESCROW_RETRY_MS);
		return escrow;
	}

	/** A shard's first delivery creates its escrow row, and the index its recount reads (schema.ts). */
	static createShard(host: EscrowHost, sku: string, index: number, shards: number): Escrow {
		const escrow = new Escrow(host, { sku, shard: newShardLedger(index, shards), pool: null });
		escrow.save();
		host.sql.exec(HOLDS_BY_CREATED_INDEX);
		return escrow;
	}

	/** The SKU's total stock (the coordinator's ledger), or null in a shard. */
	total(): number | null {
		return this.ledger.pool?.total ?? null;
	}

	pool(): number {
		return this.ledger.pool?.pool ?? 0;
	}

	/** A shard asks over RPC; the coordinator's own shard takes from its pool directly. */
	protected override requestFromCoordinator(
		units: number,
		mayFoldBack: boolean,
		needed: number,
	): Promise<number> {
		if (this.isCoordinator) return this.requestGrant(0, units, mayFoldBack, needed);
		return super.requestFromCoordinator(units, mayFoldBack, needed);
	}

	protected override countElsewhere(units: number): Promise<number> {
		if (this.isCoordinator) return this.stockElsewhereOf(0, units);
		return super.countElsewhere(units);
	}

	// ---- coordinator ----

	/**
	 * Units available outside shard `index`: the pool, and when it has fewer than `units`,
	 * every other shard's available units too (a read of each, in parallel; one that cannot
	 * answer counts none). Units moving between shards are not counted.
	 */
	async stockElsewhereOf(index: number, units: number): Promise<number> {
		const pool = this.requirePool();
		if (index < 0 || index >= pool.shards) throw new RangeError(`no shard ${index}`);
		if (pool.pool >= units) return pool.pool;
		const reads: Promise<number>[] = [];
		for (let j = 0; j < pool.shards; j++) {
			if (j === index) continue;
			reads.push(j === 0 ? Promise.resolve(this.available()) : this.host.peer(j).escrowAvailable());
		}
		let elsewhere = pool.pool;
		for (const r of await Promise.allSettled(reads)) {
			if (r.status === "fulfilled") elsewhere += Math.max(0, r.value);
			else console.warn("escrow: a shard's count failed", String(r.reason));
		}
		return elsewhere;
	}

	private requirePool(): PoolLedger {
		const pool = this.ledger.pool;
		if (pool === null) throw new Error("escrow: only the coordinator holds the pool");
		return pool;
	}

	/**
	 * Shard `index` asks for `units`: granted from the pool, folding back from the others when
	 * the pool is short and buyers wait (`mayFoldBack`; `needed`: what they lack).
	 *
	 * One that folds back waits its turn (escrow-moves.ts) and folds back until the pool covers
	 * `needed` or nothing more comes; it gets what its buyers need (`units` if the pool has it),
	 * and a background request gets nothing meanwhile. So a 0 means no unit was free in the pool
	 * or any shard, but units moving at that instant (docs/decisions/167-sold-out-means-none-anywhere.md).
	 */
	async requestGrant(index: number, units: number, mayFold: boolean, needed = units) {
		const pool = this.requirePool();
		if (index < 0 || index >= pool.shards) throw new RangeError(`no shard ${index}`);
		return this.moves.move(() => this.grantOrFoldBack(index, units, mayFold, needed));
	}

	private async grantOrFoldBack(
		index: number,
		units: number,
		mayFoldBack: boolean,
		needed: number,
	): Promise<number> {
		const pool = this.requirePool();
		// No cut of totalStock runs meanwhile (changeTotal takes a turn of its own in `moves`):
		// one decided on the pool and the shards' pledges, and nothing moves until it ends.
		const foldingBack = this.moves.foldingBack;
		if (pool.pool >= units && !foldingBack) return this.grant(index, units);
		if (!mayFoldBack) return foldingBack ? 0 : this.grant(index, units);
		return this.moves.foldBackTurn(async () => {
			await this.foldBackUntil(index, Math.max(1, Math.min(needed, units)));
			return this.grant(index, pool.pool >= units ? units : Math.min(needed, units));
		});
	}

	/** The order of grant requests, and of reads that need no unit moving (escrow-moves.ts). */
	private readonly moves = new MoveGate();

	/** Runs `read` with no unit in flight (escrow-moves.ts): the pool and allotments add up. */
	still<T>(read: () => Promise<T>): Promise<T> {
		return this.moves.still(() => this.settle(), read);
	}

	/** Folds back ("half") until the pool holds `needed` or nothing comes, grants on their way delivered once. */
	private async foldBackUntil(index: number, needed: number): Promise<void> {
		const pool = this.requirePool();
		let delivered = false;
		while (pool.pool < needed) {
			const moving = pool.pending.flatMap((p, j) =>
				j !== index && j !== 0 && p.some((t) => t.units > 0) ? [j] : [],
			);
			if ((await this.foldBack(index, "half")) > 0) continue;
			if (delivered || moving.length === 0) return;
			delivered = true;
			await Promise.allSettled(moving.map((j) => this.deliver(j)));
		}
	}

	/** Grants shard `index` up to `units` from the pool and delivers it; what was granted. */
	private async grant(index: number, units: number): Promise<number> {
		const pool = this.requirePool();
		const inv = this.host.inventory();
		if (inv === null) return 0;
		if (index === 0) return this.grantToSelf(inv, units, Date.now());
		const t = issueGrant(pool, index, units);
		if (t === null) return 0;
		this.save();
		this.host.wake(Date.now() + ESCROW_RETRY_MS);
		await this.deliver(index);
		return t.units;
	}

	/** G1+G2+G3 for shard 0 in one transaction: the pool and the allotment are in this object. */
	private grantToSelf(inv: Inventory, units: number, nowMs: number): number {
		const pool = this.requirePool();
		const t = issueGrant(pool, 0, units);
		if (t === null) return 0;
		const after = applyGrant(this.ledger.shard, inv.product.totalStock, t);
		inv.setAllotment(after, nowMs, { grant: t.seq, units: t.units });
		confirmGrants(pool, 0, this.ledger.shard.lastGrant);
		this.exhaustedUntilMs = 0;
		this.save();
		this.host.persist();
		return t.units;
	}

	/** Sends shard `index` its pending grants (all of them, in order: applying is idempotent). */
	async deliver(index: number): Promise<void> {
		const pool = this.requirePool();
		const pending = pool.pending[index] ?? [];
		if (index === 0 || pending.length === 0) return;
		const inv = this.host.inventory();
		if (inv === null) return;
		const product = { ...inv.product, totalStock: 0 };
		const last = await this.host
			.peer(index)
			.escrowApplyGrants(
				product,
				index,
				pool.shards,
				[...pending],
				this.ledger.room?.state ?? null,
			);
		confirmGrants(pool, index, last);
		this.save();
	}

	/** R2: credits give-backs of shard `index` in order; answers the last one credited. */
	receiveReturns(index: number, transfers: Transfer[]): number {
		const pool = this.requirePool();
		let credited = false;
		for (const t of [...transfers].sort((a, b) => a.seq - b.seq)) {
			if (receiveReturn(pool, index, t)) credited = true;
		}
		if (credited) this.save();
		return pool.lastReturn[index] ?? 0;
	}

	/** Takes unsold units back from every shard but `except` into the pool; the units credited. */
	async foldBack(except: number, ask: "half" | "all" | "none"): Promise<number> {
		const pool = this.requirePool();
		let brought = 0;
		const credit = (j: number, transfers: Transfer[]) => {
			const before = pool.pool;
			const last = this.receiveReturns(j, transfers);
			brought += pool.pool - before;
			return last;
		};
		const calls: Promise<void>[] = [];
		for (let j = 0; j < pool.shards; j++) {
			if (j === except) continue;
			if (j === 0) {
				this.ackReturns(credit(0, this.giveBack(ask)));
				continue;
			}
			calls.push(
				(async () => {
					const peer = this.host.peer(j);
					const last = credit(j, await peer.escrowGiveBack(ask));
					await peer.escrowAckReturns(last);
				})(),
			);
		}
		const results = await Promise.allSettled(calls);
		for (const r of results) {
			if (r.status === "rejected") console.warn("escrow: fold back failed", String(r.reason));
		}
		return brought;
	}

	/** Delivers every pending grant and collects every pending give-back: nothing left in flight. */
	async settle(): Promise<void> {
		const pool = this.requirePool();
		const calls: Promise<void>[] = [];
		for (let i = 1; i < pool.shards; i++) calls.push(this.deliver(i));
		await Promise.allSettled(calls);
		await this.foldBack(-1, "none");
	}

	/**
	 * PATCH totalStock: a raise goes to the pool; a cut comes from the pool, after taking back
	 * the shards' unsold units when the pool alone holds too few. `decide` runs first, in the
	 * turn, on the total the changes before it left: it answers at once when the total does not
	 * move (judged before the turn, a PATCH setting back a total a cut in flight is lowering was
	 * taken for no change: docs/decisions/184-review-35s-findings.md), else names the new total and
	 * `apply` (the coordinator's own product change, which records the operator's event), run when
	 * the change succeeds with no await between it and the pool's save: one transaction, so the
	 * trail never lacks a total the pool has. Null when the cut is refused (more held or sold than
	 * the new total); throws CutUndecided (a 503) when a shard could not be counted and the others
	 * do not cover it. One change of the total at a time, in a turn of its own (escrow-moves.ts):
	 * after the grant requests, stats reads and changes that came before it, with those that come
	 * meanwhile held until it ends, so no grant leaves the pool and no read sees the shards while it
	 * takes their units (docs/decisions/180-one-change-of-the-total-at-a-time.md). TurnsFull (a
	 * 503) when too many operator calls already wait. Every PATCH of a split SKU comes through here,
	 * one that moves no unit answered by `decide` in its turn
	 * (docs/decisions/186-review-36s-findings.md). A raise is answered once every shard was told to
	 * forget its sold-out memo (docs/decisions/189-review-37s-findings.md §2).
	 */
	async changeTotal<T>(decide: () => TotalChange<T>): Promise<T | null> {
		let raised = false;
		const answer = await this.moves.ownTurn(async () => {
			const change = decide();
			if ("answer" in change) return change.answer;
			raised = change.totalStock > this.requirePool().total;
			return changeTotalNow(this.totalHost, change.totalStock, change.apply, change.recheck);
		});
		// After the turn (no grant request waits on these calls), before the PATCH is answered.
		if (raised) await forgetSoldOutElsewhere(this.totalHost);
		return answer;
	}

	/** This escrow as a change of the total sees it (escrow-total.ts). */
	private readonly totalHost: TotalHost = {
		requirePool: () => this.requirePool(),
		save: () => this.save(),
		settle: () => this.settle(),
		foldBack: (except, ask) => this.foldBack(except, ask),
		pledgeForCut: () => this.pledgeForCut(),
		releasePledge: () => this.releasePledge(),
		forgetSoldOut: () => this.forgetSoldOut(),
		peer: (index) => this.host.peer(index),
	};

	/** The alarm: re-send what the other side has not confirmed (grants, the product's settings, a reset). */
	override async retry(): Promise<void> {
		if (!this.isCoordinator) return super.retry();
		const pool = this.requirePool();
		const calls: Promise<void>[] = [];
		for (let i = 1; i < pool.shards; i++) calls.push(this.deliver(i));
		const failed = (await Promise.allSettled(calls)).some((r) => r.status === "rejected");
		if (failed || pool.pending.some((p, i) => i > 0 && p.length > 0)) {
			this.host.wake(Date.now() + ESCROW_RETRY_MS);
		}
		const [unsent, unreset] = await Promise.all([this.pushSettings(), this.pushResets()]);
		if (unsent !== null) console.warn("escrow: a shard did not take the settings", String(unsent));
		if (unreset !== null) console.warn("escrow: a shard did not take the reset", String(unreset));
	}

	/** True while something of this side is not yet confirmed by the other (the alarm must run). */
	override hasPending(): boolean {
		const pool = this.ledger.pool;
		if (pool?.pending.some((p, i) => i > 0 && p.length > 0)) return true;
		if (settingsOwed(this.ledger, this.shards).length > 0) return true;
		if (resetsOwed(this.ledger, this.shards).length > 0) return true;
		return super.hasPending();
	}
}
