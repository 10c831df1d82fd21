// The operator's changes to one SKU's model: PATCH, a split SKU's allotment, and reset. A layer
// of the model (pure, as domain/inventory-stock.ts, which it extends); Inventory
// (domain/inventory.ts) extends it with the checkout transitions.

import type { Hold, ProductConfig } from "./inventory-records.ts";
import { InventoryStock } from "./inventory-stock.ts";
import type { CountedSince } from "./timeseries.ts";

type ProductPatch = Partial<Omit<ProductConfig, "sku">>;

export abstract class InventoryOperator extends InventoryStock {
	/**
	 * `recorded`: the event's detail, or null for none (inventory/sku-object-peers.ts escrowUpdate);
	 * an empty one records nothing (a PATCH that changed only the room: inventory/patch-changes.ts).
	 */
	update(
		patch: ProductPatch,
		nowMs: number,
		recorded: Record<string, unknown> | null = { ...patch },
	): { ok: boolean } {
		const next = { ...this.product, ...patch };
		if (next.totalStock < this.reserved + this.sold) return { ok: false };
		this.product = next;
		if (recorded !== null && Object.keys(recorded).length > 0)
			this.emit({ type: "product.updated", atMs: nowMs, detail: recorded });
		return { ok: true };
	}

	/**
	 * An escrow shard's allotment changed (src/domain/escrow.ts): a grant raised it or
	 * a give-back lowered it. The shard's totalStock is its allotment, so every rule of
	 * this model holds within it; the event lets replay (domain/replay.ts replayShard) follow it.
	 * `allotment` and `totalStock` are the same number (docs/api.md, "The audit trail of a split SKU").
	 */
	setAllotment(totalStock: number, nowMs: number, detail: Record<string, unknown>): void {
		if (totalStock < this.reserved + this.sold) {
			throw new RangeError(
				`allotment ${totalStock} below ${this.reserved + this.sold} held or sold`,
			);
		}
		this.product = { ...this.product, totalStock };
		const recorded = { totalStock, allotment: totalStock, escrow: detail };
		this.emit({ type: "product.updated", atMs: nowMs, detail: recorded });
	}

	/**
	 * Clears every hold that is not paid and the attempt counters; paid orders
	 * and their units stay sold, so the stock returns to total − sold
	 * (docs/decisions/001-reset-keeps-paid-orders.md). Each session keeps the
	 * units it bought against its purchase limit.
	 * `skuTotalStock`: a split SKU's coordinator records the SKU's total, its allotment beside it.
	 * `idempotencyKey`: the operator's key for this reset, recorded so a reader of the trail can
	 * tell whose reset it was (docs/decisions/081-reset-idempotency-key.md); absent when unkeyed.
	 * `keepAfterMs`: a split SKU's shard doing its coordinator's reset late keeps the holds
	 * created after the coordinator's reset (the new drop's, told 201), counted against the
	 * stock as before (docs/decisions/134-an-owed-reset-keeps-the-new-drops-holds.md).
	 * `keptEnds`: with it, the ends of the new drop's holds that ended before the reset came
	 * (each session's latest, from the stored rows): their cool-downs stay
	 * (docs/decisions/138-what-a-late-split-reset-keeps.md).
	 * `keptCounts`: with it, the attempts and refusals counted after the coordinator's reset (the
	 * new drop's, as far as the object's per-second history tells them: the seconds after the
	 * cut's): they stay, no more than the counters held, and at least one attempt per kept hold
	 * (docs/decisions/144-reset-generations-late-counters-and-the-limiters-clock.md).
	 */
	reset(
		nowMs: number,
		skuTotalStock: number | null = null,
		idempotencyKey: string | null = null,
		keepAfterMs: number | null = null,
		keptEnds: Iterable<[string, number]> = [],
		keptCounts: CountedSince | null = null,
	): void {
		let releasedUnits = 0;
		let releasedHolds = 0;
		const kept: Hold[] = [];
		for (const hold of this.active.values()) {
			if (keepAfterMs !== null && hold.createdAtMs > keepAfterMs) {
				kept.push(hold);
				continue;
			}
			// Cleared holds are dropped from storage by the caller; no per-hold events, the reset is one.
			hold.status = "CANCELLED";
			releasedUnits += hold.quantity;
			releasedHolds += 1;
			this.standings.ended(hold);
		}
		this.active.clear();
		this.cooldowns.clear(keptEnds);
		this.deadlines.clear();
		this.changedHolds.clear();
		this.reserved = 0;
		for (const hold of kept) {
			this.active.set(hold.id, hold);
			this.deadlines.track(hold);
			this.reserved += hold.quantity;
		}
		const attemptsBefore = this.attempts;
		const rejectedBefore = { ...this.rejected };
		this.attempts = 0;
		for (const key of Object.keys(this.rejected)) delete this.rejected[key];
		if (keepAfterMs !== null) {
			const since = keptCounts ?? { attempts: 0, rejected: {} };
			this.attempts = Math.min(attemptsBefore, Math.max(since.attempts, kept.length));
			for (const [code, n] of Object.entries(since.rejected)) {
				const k = Math.min(n, rejectedBefore[code] ?? 0);
				if (k > 0) this.rejected[code] = k;
			}
		}
		this.emit({
			type: "inventory.reset",
			atMs: nowMs,
			// soldKept tells replay (domain/replay.ts) that this reset kept the sold units.
			detail: {
				...(skuTotalStock === null
					? { totalStock: this.product.totalStock }
					: { totalStock: skuTotalStock, allotment: this.product.totalStock }),
				soldKept: this.sold,
				releasedHolds,
				releasedUnits,
				...(kept.length === 0 ? {} : { keptHolds: kept.length, keptUnits: this.reserved }),
				...(this.attempts === 0 ? {} : { keptAttempts: this.attempts }),
				...(idempotencyKey === null ? {} : { idempotencyKey }),
			},
		});
	}
}
