// What the console's audit trail says about one event: its name and its `detail` in words.
// Pure (no DOM, no Preact): unit-tested in test/unit/console-event-detail.test.ts.
//
// On a split SKU the escrow moving units between the pool and a shard is recorded as a
// `product.updated` told apart only by `detail.escrow` (docs/api.md, "The audit trail of a split
// SKU"), so it is named here as the escrow's, never shown as if an operator had changed the drop.
//
// An instant the server records in epoch milliseconds (a key ending in `AtMs`: a PATCHed start is
// `startsAtMs`, docs/api.md) is shown as a date and time under the key without `Ms`; a start of
// `null` is "on sale now".

import type { AuditEvent } from "../../shared/types.ts";
import { dateTime } from "../lib/format.ts";

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

/** An epoch-milliseconds instant's key ("startsAtMs"), and what it is called when shown as a time. */
const INSTANT_KEY = /^(.+At)Ms$/;

function pair(key: string, v: unknown): string {
	const instant = INSTANT_KEY.exec(key);
	if (instant !== null && (typeof v === "number" || v === null)) {
		const name = instant[1] as string;
		if (v === null) return `${name}: ${key === "startsAtMs" ? "none (on sale now)" : "none"}`;
		return `${name}: ${dateTime(v)}`;
	}
	return `${key}: ${value(v)}`;
}

/** `key: value` pairs in the order the server wrote them. */
export function detailText(detail: Record<string, unknown>): string {
	return Object.entries(detail)
		.map(([k, v]) => pair(k, v))
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
