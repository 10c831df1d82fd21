// What the console's audit trail says about one event: its name and its `detail` in words.
// Pure (no DOM, no Preact): unit-tested in test/unit/console-event-detail.test.ts.
//
// On a split SKU the escrow moving units between the pool and a shard is recorded as a
// `product.updated` told apart only by `detail.escrow` (docs/api.md, "The audit trail of a split
// SKU"), so it is named here as the escrow's, never shown as if an operator had changed the drop.

import type { AuditEvent } from "../../shared/types.ts";

/** Characters of a detail shown in the row; the whole of it is in the cell's title. */
export const DETAIL_CHARS = 300;

export interface EventWords {
	/** The event's name in the table: its type, or "escrow transfer". */
	name: string;
	/** Its detail in words ("" when it has none). */
	detail: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
	typeof v === "object" && v !== null && !Array.isArray(v);

const units = (n: unknown) => `${String(n)} ${n === 1 ? "unit" : "units"}`;

function value(v: unknown): string {
	if (typeof v === "string") return v;
	if (v === undefined) return "";
	return JSON.stringify(v);
}

/** `key: value` pairs in the order the server wrote them. */
export function detailText(detail: Record<string, unknown>): string {
	return Object.entries(detail)
		.map(([k, v]) => `${k}: ${value(v)}`)
		.join(" · ");
}

function escrowText(e: AuditEvent, escrow: Record<string, unknown>, allotment: unknown): string {
	const shard = e.shard === undefined ? "this shard" : `shard ${e.shard}`;
	const now = allotment === undefined ? "" : `; ${shard}'s allotment is now ${String(allotment)}`;
	if ("grant" in escrow)
		return `Escrow: ${shard} was granted ${units(escrow.units)} from the pool (transfer ${value(escrow.grant)})${now}.`;
	if ("return" in escrow)
		return `Escrow: ${shard} gave ${units(escrow.units)} back to the pool (transfer ${value(escrow.return)})${now}.`;
	if ("pool" in escrow)
		return `Escrow: a pool of ${units(escrow.pool)} set up for ${String(escrow.shards)} shards${now}.`;
	return `Escrow: ${detailText(escrow)}${now}.`;
}

export function describeEvent(e: AuditEvent): EventWords {
	const detail = e.detail;
	if (detail === undefined) return { name: e.type, detail: "" };
	if (e.type === "product.updated" && isRecord(detail.escrow))
		return { name: "escrow transfer", detail: escrowText(e, detail.escrow, detail.allotment) };
	return { name: e.type, detail: detailText(detail) };
}
