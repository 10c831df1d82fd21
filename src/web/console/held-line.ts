// The edit form's line of units held and sold (src/web/console/EditDrop.tsx): the Live counters
// when they are this drop's and not older than the form's read of it, else that read, always
// with the time the numbers are as of, so the line never passes an old read off as now
// (docs/decisions/113-one-d1-budget-per-request.md). Pure: no DOM, no Preact.

import type { Availability } from "../../shared/types.ts";

/** What the line needs of a set of counters: a drop's live counters and its read both have it. */
type Counted = Pick<Availability, "sku" | "reserved" | "sold" | "asOf">;

export interface HeldLine {
	held: number;
	sold: number;
	/** When the SKU's object counted them (ISO). */
	asOf: string;
	/** From the Live counters (polled and pushed), not the form's read. */
	live: boolean;
}

export function heldLine(read: Counted, live: Counted | null): HeldLine {
	const readAtMs = Date.parse(read.asOf);
	const liveAtMs = live === null ? Number.NaN : Date.parse(live.asOf);
	// NaN compares false: a read without a time is still replaced by counters that have one.
	if (live !== null && live.sku === read.sku && !(liveAtMs < readAtMs)) {
		return { held: live.reserved, sold: live.sold, asOf: live.asOf, live: true };
	}
	return { held: read.reserved, sold: read.sold, asOf: read.asOf, live: false };
}
