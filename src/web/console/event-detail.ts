// What the console's audit trail says about one event: its name and its `detail` in words.
// Pure (no DOM, no Preact): unit-tested in test/unit/console-event-detail.test.ts.
//
// On a split SKU the escrow moving units between the pool and a shard is recorded as a
// `product.updated` told apart only by `detail.escrow` (docs/api.md, "The audit trail of a split
// SKU"), so it is named here as the escrow's, never shown as if an operator had changed the drop.
//
// Every other event a shard of a split SKU records is that shard's alone — a reset's rows come
// one per shard, a hold is one shard's — so its detail begins with the shard, and a reset's
// `totalStock` recorded by a shard other than the coordinator is said as that shard's allotment
// (docs/api.md: it is not the SKU's total). The operator's product.created and product.updated,
// recorded once by the coordinator, are the SKU's and name no shard.
//
// An instant is shown as a date and time in the reader's zone, its ISO text kept beside it (the
// row puts it in a <time> element's `datetime` and title): one the server records in epoch
// milliseconds (a key ending in `AtMs`: a PATCHed start is `startsAtMs`, docs/api.md) under the
// key without `Ms`, a start of `null` being "on sale now"; one it writes as ISO 8601 text (a key
// ending in `At` or `Until`: a hold's `expiresAt`, an admission's `admittedUntil`, docs/api.md)
// under its own key. Only those keys: a name that happens to read as a date stays as typed.

import type { AuditEvent } from "../../shared/types.ts";
import { dateTime } from "../lib/format.ts";

/** Characters of a detail shown in the row; the whole of it is in the cell's title. */
export const DETAIL_CHARS = 300;

export interface EventWords {
	/** The event's name in the table: its type, or "escrow transfer". */
	name: string;
	/** Its detail in words ("" when it has none). */
	detail: string;
	/** The same detail pair by pair (`detail` is them joined); null when it is one sentence (escrow). */
	parts: DetailPart[] | null;
}

/** One `key: value` of a detail; an instant also carries its ISO text. */
export interface DetailPart {
	key: string;
	value: string;
	/** The instant the value shows, as ISO 8601 (UTC). */
	iso?: string;
}

/** Between a detail's pairs. */
export const PART_SEPARATOR = " · ";

const isRecord = (v: unknown): v is Record<string, unknown> =>
	typeof v === "object" && v !== null && !Array.isArray(v);

const units = (n: unknown) => `${String(n)} ${n === 1 ? "unit" : "units"}`;

function value(v: unknown): string {
	if (typeof v === "string") return v;
	if (v === undefined) return "";
	return JSON.stringify(v);
}

/** An epoch-milliseconds instant's key ("startsAtMs"), and what it is called when shown as a time. */
const INSTANT_MS_KEY = /^(.+At)Ms$/;
/** A key whose value the server writes as an instant's ISO text ("expiresAt", "admittedUntil"). */
const INSTANT_ISO_KEY = /(At|Until)$/;

/** `v` exactly as Date#toISOString writes an instant (how the server writes them), else null. */
function isoInstantMs(v: string): number | null {
	const ms = Date.parse(v);
	return Number.isNaN(ms) || new Date(ms).toISOString() !== v ? null : ms;
}

function part(key: string, v: unknown): DetailPart {
	const instant = INSTANT_MS_KEY.exec(key);
	if (instant !== null && (typeof v === "number" || v === null)) {
		const name = instant[1] as string;
		if (v === null)
			return { key: name, value: key === "startsAtMs" ? "none (on sale now)" : "none" };
		const at = new Date(v);
		return Number.isNaN(at.getTime())
			? { key: name, value: dateTime(v) }
			: { key: name, value: dateTime(v), iso: at.toISOString() };
	}
	if (typeof v === "string" && INSTANT_ISO_KEY.test(key)) {
		const ms = isoInstantMs(v);
		if (ms !== null) return { key, value: dateTime(ms), iso: v };
	}
	return { key, value: value(v) };
}

/** The detail's `key: value` pairs in the order the server wrote them. */
export function detailParts(detail: Record<string, unknown>): DetailPart[] {
	return Object.entries(detail).map(([k, v]) => part(k, v));
}

const joined = (parts: DetailPart[]) =>
	parts.map((p) => `${p.key}: ${p.value}`).join(PART_SEPARATOR);

/** `key: value` pairs in the order the server wrote them. */
export function detailText(detail: Record<string, unknown>): string {
	return joined(detailParts(detail));
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

/** The SKU's own events, recorded once by a split SKU's coordinator: no shard is named. */
const SKU_WIDE = new Set(["product.created", "product.updated"]);

/** One shard's event: the shard first, and a non-coordinator reset's totalStock said as its allotment. */
function shardParts(e: AuditEvent, shard: number, parts: DetailPart[]): DetailPart[] {
	const own =
		e.type === "inventory.reset" && shard !== 0
			? parts.map((p) =>
					p.key === "totalStock" ? { ...p, key: `totalStock (shard ${shard}'s allotment)` } : p,
				)
			: parts;
	return [{ key: "shard", value: String(shard) }, ...own];
}

export function describeEvent(e: AuditEvent): EventWords {
	const detail = e.detail;
	if (detail !== undefined && e.type === "product.updated" && isRecord(detail.escrow))
		return {
			name: "escrow transfer",
			detail: escrowText(e, detail.escrow, detail.allotment),
			parts: null,
		};
	const parts = detail === undefined ? [] : detailParts(detail);
	const said =
		e.shard === undefined || SKU_WIDE.has(e.type) ? parts : shardParts(e, e.shard, parts);
	return { name: e.type, detail: joined(said), parts: said };
}
