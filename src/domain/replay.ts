// Rebuilds a SKU's counters from its audit trail alone (docs/architecture.md, invariant 5):
// if this disagrees with the live counters, an event was lost or double-counted.

import type { EventType } from "../shared/types.ts";
import type { Counters } from "./inventory.ts";

export interface ReplayableEvent {
	type: EventType;
	quantity?: number | null;
	detail?: Record<string, unknown> | null;
}

export function replay(events: Iterable<ReplayableEvent>): Counters {
	let total = 0;
	let reserved = 0;
	let sold = 0;
	for (const e of events) {
		const q = e.quantity ?? 0;
		switch (e.type) {
			case "product.created":
			case "product.updated":
			case "inventory.reset": {
				const stock = e.detail?.totalStock;
				if (typeof stock === "number") total = stock;
				if (e.type === "inventory.reset") {
					// A shard's late reset keeps the new drop's holds created before it (detail.keptUnits).
					const kept = e.detail?.keptUnits;
					reserved = typeof kept === "number" ? kept : 0;
					// A reset keeps paid orders and says so (detail.soldKept); one recorded
					// before that rule cleared the sold units too.
					if (typeof e.detail?.soldKept !== "number") sold = 0;
				}
				break;
			}
			case "reservation.created":
				reserved += q;
				break;
			case "reservation.cancelled":
			case "reservation.expired":
			case "payment.failed":
				reserved -= q;
				break;
			case "order.created":
				reserved -= q;
				sold += q;
				break;
			// checkout.started, payment.attempt_failed (the hold is kept), payment.succeeded and
			// payment.refunded move no unit.
			default:
				break;
		}
	}
	return { total, available: total - reserved - sold, reserved, sold };
}

/**
 * One shard's own events of a SKU split across shards (docs/decisions/020-escrow-shards.md),
 * for replaying that shard: its total is its allotment, which the escrow's product.updated
 * events carry (those with `detail.escrow`). The SKU-wide product events its coordinator
 * (shard 0) records say the SKU's totalStock, not a shard's, so they are left out here, and
 * its `inventory.reset` is read at its `allotment`.
 */
export function shardTrail<T extends ReplayableEvent>(events: Iterable<T>): T[] {
	const out: T[] = [];
	for (const e of events) {
		const product = e.type === "product.created" || e.type === "product.updated";
		if (product && e.detail?.escrow === undefined) continue;
		// The coordinator's reset says the SKU's total and its own allotment beside it.
		const allotment = e.detail?.allotment;
		out.push(
			e.type === "inventory.reset" && typeof allotment === "number"
				? { ...e, detail: { ...e.detail, totalStock: allotment } }
				: e,
		);
	}
	return out;
}

/** A shard's counters from its own trail, its allotment as `total` (shardTrail). */
export function replayShard(events: Iterable<ReplayableEvent>): Counters {
	return replay(shardTrail(events));
}
