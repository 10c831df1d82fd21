// Oversell at any moment of the audit trail, not only at its end: after every
// hold has settled the final counters can no longer show an oversell that was
// released later, but the trail's running reserved + sold still does.

import type { AuditEvent } from "../../src/shared/types.ts";

/**
 * The highest reserved + sold the trail ever reached, and by how much it passed the
 * stock. The same unit rules as src/domain/replay.ts (which gives only the end state),
 * with a running maximum: an oversell that was later released still shows here.
 */
export function peakCommitted(events: Iterable<AuditEvent>): {
	committed: number;
	total: number;
	overTotal: number;
	atId: string | null;
} {
	let total = 0;
	let committed = 0;
	const peak = { committed: 0, total: 0, overTotal: 0, atId: null as string | null };
	for (const e of events) {
		const q = e.quantity ?? 0;
		if (
			e.type === "product.created" ||
			e.type === "product.updated" ||
			e.type === "inventory.reset"
		) {
			const stock = e.detail?.totalStock;
			if (typeof stock === "number") total = stock;
			if (e.type === "inventory.reset") committed = 0;
		} else if (e.type === "reservation.created") {
			committed += q;
		} else if (
			e.type === "reservation.cancelled" ||
			e.type === "reservation.expired" ||
			e.type === "payment.failed"
		) {
			committed -= q;
		}
		// order.created moves units from reserved to sold: reserved + sold is unchanged.
		if (committed > peak.committed) Object.assign(peak, { committed, total, atId: e.id });
		peak.overTotal = Math.max(peak.overTotal, committed - total);
	}
	return peak;
}
