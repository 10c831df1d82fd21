// The SKU object's own records in SQLite: holds, idempotency outcomes and the
// state row. Plain functions over `SqlStorage`, so the object keeps to
// decisions and scheduling while this file holds the statements.

import { MAX_COOLDOWN_SECONDS } from "../domain/hold-cooldown.ts";
import { type Hold, Inventory, type InventorySnapshot, isActive } from "../domain/inventory.ts";
import { type HoldRow, holdFromRow, holdParams } from "./codec.ts";
import type { ReserveResult } from "./rpc.ts";

const UPSERT_HOLD_HEAD = `INSERT INTO holds
	(id, session_id, quantity, status, created_at, expires_at, idem_key, order_id, payment_deadline,
	 price_cents, currency)`;
// An update in place when the hold exists: INSERT OR REPLACE would delete the row and
// insert it again, rewriting every index entry (by session, by status) on each transition.
const UPSERT_HOLD_TAIL = `ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,
	quantity = excluded.quantity, status = excluded.status, created_at = excluded.created_at,
	expires_at = excluded.expires_at, idem_key = excluded.idem_key, order_id = excluded.order_id,
	payment_deadline = excluded.payment_deadline, price_cents = excluded.price_cents,
	currency = excluded.currency`;
const UPSERT_HOLD = `${UPSERT_HOLD_HEAD}
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${UPSERT_HOLD_TAIL}`;

export function writeHold(sql: SqlStorage, hold: Hold): void {
	sql.exec(UPSERT_HOLD, ...holdParams(hold));
}

/** Bound parameters one statement may carry (Durable Object SQLite: at most 100). */
export const MAX_SQL_PARAMS = 100;
const HOLD_COLUMNS = 11;
/** Holds per multi-row statement: as many as fit under MAX_SQL_PARAMS. */
export const HOLDS_PER_STATEMENT = Math.floor(MAX_SQL_PARAMS / HOLD_COLUMNS);

/** `INSERT … VALUES (…), (…) [tail]` for `rows` rows of `columns` values, built once per shape (statements are cached by text). */
export function multiRowSql(head: string, columns: number, rows: number, tail = ""): string {
	const key = `${head}\u0000${columns}\u0000${rows}\u0000${tail}`;
	let text = statements.get(key);
	if (text === undefined) {
		const one = `(${Array.from({ length: columns }, () => "?").join(", ")})`;
		text = `${head} VALUES ${Array.from({ length: rows }, () => one).join(", ")} ${tail}`;
		statements.set(key, text);
	}
	return text;
}
const statements = new Map<string, string>();

/**
 * A batch's holds in as few statements as fit (one per HOLDS_PER_STATEMENT holds):
 * per-statement overhead, not rows, is most of a write's CPU in the object. Rows are
 * applied in order, so a hold listed twice ends as its last state, as one by one.
 */
export function writeHolds(sql: SqlStorage, holds: readonly Hold[]): void {
	for (let at = 0; at < holds.length; at += HOLDS_PER_STATEMENT) {
		const chunk = holds.slice(at, at + HOLDS_PER_STATEMENT);
		if (chunk.length === 1) {
			writeHold(sql, chunk[0] as Hold);
			continue;
		}
		const params: (string | number | null)[] = [];
		for (const hold of chunk) params.push(...holdParams(hold));
		sql.exec(
			multiRowSql(UPSERT_HOLD_HEAD, HOLD_COLUMNS, chunk.length, UPSERT_HOLD_TAIL),
			...params,
		);
	}
}

export function readStoredHold(sql: SqlStorage, id: string): Hold | null {
	const row = sql.exec<HoldRow>("SELECT * FROM holds WHERE id = ?", id).toArray()[0];
	return row === undefined ? null : holdFromRow(row);
}

/** One page of the holds table in rowid order (the order they were written), after `afterRow`. */
export function holdRowsAfter(
	sql: SqlStorage,
	afterRow: number,
	limit: number,
): { row: number; hold: Hold }[] {
	return sql
		.exec<HoldRow & { row: number }>(
			"SELECT rowid AS row, * FROM holds WHERE rowid > ? ORDER BY rowid LIMIT ?",
			afterRow,
			limit,
		)
		.toArray()
		.map((r) => ({ row: r.row, hold: holdFromRow(r) }));
}

/**
 * Units held and sold by status, from the covering index holds_by_status_expiry (schema.ts
 * migration 10): it reads the live and paid holds' entries only, however many ended holds the
 * object keeps (docs/decisions/088-ended-holds-and-replays.md).
 */
export const UNITS_SQL = `SELECT status, SUM(quantity) AS units FROM holds
 WHERE status IN ('RESERVED', 'CHECKOUT_PENDING', 'PAID') GROUP BY status`;

/** Units held and sold, summed from the hold rows themselves (stats never trust the cache). */
export function unitsFromRecords(sql: SqlStorage): { reserved: number; sold: number } {
	let reserved = 0;
	let sold = 0;
	for (const row of sql.exec<{ status: string; units: number }>(UNITS_SQL)) {
		if (row.status === "RESERVED" || row.status === "CHECKOUT_PENDING") reserved += row.units;
		if (row.status === "PAID") sold += row.units;
	}
	return { reserved, sold };
}

/** Where a shard's recount of its holds stands (inventory/room-shard-gate.ts): after this hold. */
export interface HeldCursor {
	/** Holds created after this moment are not read: they are reported as uses. */
	untilMs: number;
	/** The last hold read: its `created_at` and `rowid` (the order of the index holds_by_created). */
	afterMs: number;
	afterRow: number;
}

/** One page of a recount: sessions with their hold's time (a session may appear more than once). */
export interface HeldPage {
	held: [sessionId: string, atMs: number][];
	/** Where the next page starts; null when this page was the last. */
	next: HeldCursor | null;
}

/** A page of holds by (created_at, rowid): the order of the index holds_by_created. */
export const HELD_PAGE_SQL = `SELECT rowid AS row, session_id, created_at AS at FROM holds
 WHERE (created_at, rowid) > (?, ?) AND created_at <= ?
 ORDER BY created_at, rowid LIMIT ?`;

/**
 * The session's first hold here within [fromMs, untilMs) (an admission's span), or null: a
 * shard's word on an admission the coordinator found ended with no use known
 * (inventory/room-shards.ts confirmLapses). A range read of holds_by_created (migration 7),
 * over one admission's span of holds, at most MAX_ADMIT_SECONDS.
 */
export function firstHeldWithin(
	sql: SqlStorage,
	sessionId: string,
	fromMs: number,
	untilMs: number,
): number | null {
	const row = sql
		.exec<{ at: number | null }>(
			"SELECT MIN(created_at) AS at FROM holds WHERE created_at >= ? AND created_at < ? AND session_id = ?",
			fromMs,
			untilMs,
			sessionId,
		)
		.one();
	return row.at;
}

/** A recount from `sinceMs` up to `untilMs`: where its first page starts. */
export function heldFrom(sinceMs: number, untilMs: number): HeldCursor {
	return { untilMs, afterMs: sinceMs, afterRow: -1 };
}

/**
 * The holds after `cursor` (by creation, then rowid), at most `limit`, each session once with
 * its latest hold's time in the page (a shard's recount of first holds after a restart,
 * inventory/room-shard-gate.ts). A range read of the index holds_by_created (migration 7),
 * so a page costs its own rows however many holds the shard keeps.
 */
export function heldPage(sql: SqlStorage, cursor: HeldCursor, limit: number): HeldPage {
	const rows = sql
		.exec<{ row: number; session_id: string; at: number }>(
			HELD_PAGE_SQL,
			cursor.afterMs,
			cursor.afterRow,
			cursor.untilMs,
			limit,
		)
		.toArray();
	return pageOfRows(
		rows.map((r) => ({ row: r.row, sessionId: r.session_id, at: r.at })),
		cursor,
		limit,
	);
}

/**
 * A page from the rows HELD_PAGE_SQL read (at most `limit`, in `(at, row)` order): each session
 * once, at its latest hold, and the cursor of the next page while the page was full.
 */
export function pageOfRows(
	rows: { row: number; sessionId: string; at: number }[],
	cursor: HeldCursor,
	limit: number,
): HeldPage {
	const latest = new Map<string, number>();
	for (const r of rows) latest.set(r.sessionId, Math.max(latest.get(r.sessionId) ?? r.at, r.at));
	const last = rows[rows.length - 1];
	return {
		held: [...latest],
		next:
			rows.length < limit || last === undefined
				? null
				: { untilMs: cursor.untilMs, afterMs: last.at, afterRow: last.row },
	};
}

/**
 * The first outcome stored for this session and Idempotency-Key (docs/api.md:
 * answered verbatim), unless its window ended at or before `nowMs`
 * (domain/idempotency.ts): an ended record is as good as pruned.
 */
export function storedOutcome(
	sql: SqlStorage,
	sessionId: string,
	key: string,
	nowMs: number,
): ReserveResult | null {
	const row = sql
		.exec<{ outcome: string }>(
			"SELECT outcome FROM idempotency WHERE session_id = ? AND key = ? AND expires_at > ?",
			sessionId,
			key,
			nowMs,
		)
		.toArray()[0];
	return row === undefined ? null : (JSON.parse(row.outcome) as ReserveResult);
}

/** Stores an outcome until `untilMs`; replaces an ended record of the same key not yet pruned. */
export function storeOutcome(
	sql: SqlStorage,
	sessionId: string,
	key: string,
	result: ReserveResult,
	untilMs: number,
): void {
	sql.exec(
		"INSERT OR REPLACE INTO idempotency (session_id, key, outcome, expires_at) VALUES (?, ?, ?, ?)",
		sessionId,
		key,
		JSON.stringify(result),
		untilMs,
	);
}

/**
 * Deletes at most `limit` Idempotency-Key records whose window ended at or
 * before `nowMs`, oldest first (through idempotency_by_expiry). Returns how many
 * went and when the earliest record left ends (null: none left).
 */
export function pruneOutcomes(
	sql: SqlStorage,
	nowMs: number,
	limit: number,
): { deleted: number; nextExpiryMs: number | null } {
	const deleted = sql
		.exec(
			`DELETE FROM idempotency WHERE (session_id, key) IN
			 (SELECT session_id, key FROM idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
			 RETURNING 1`,
			nowMs,
			limit,
		)
		.toArray().length;
	return { deleted, nextExpiryMs: earliestOutcomeExpiry(sql) };
}

/** When the earliest Idempotency-Key record ends, or null when there is none. */
export function earliestOutcomeExpiry(sql: SqlStorage): number | null {
	const row = sql
		.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM idempotency")
		.one();
	return row.at;
}

export interface StoredState {
	snapshot: InventorySnapshot;
	seq: number;
	active: Hold[];
	usage: [string, number][];
	/** Sessions whose hold ended unpaid lately, and until when it held (domain/hold-cooldown.ts). */
	endedUnpaid: [string, number][];
	/** Sessions with a paid hold of late, and its latest `expires_at`: what it forgives. */
	paidLately: [string, number][];
}

/**
 * The sessions whose hold ended unpaid or was paid within the longest cool-down before `nowMs`,
 * or whose released hold's time is not over: each with its latest unpaid-ended hold's
 * `expires_at` (`until`) and its latest paid one's (`paid`), either null when it has none. Ranges
 * of the index holds_by_status_expiry (schema.ts migration 10), so only recent holds are read.
 */
export const ENDED_UNPAID_SQL = `SELECT session_id,
 MAX(CASE WHEN status = 'PAID' THEN NULL ELSE expires_at END) AS until,
 MAX(CASE WHEN status = 'PAID' THEN expires_at END) AS paid FROM holds
 WHERE status IN ('EXPIRED', 'CANCELLED', 'PAYMENT_FAILED', 'PAID') AND expires_at > ?
 GROUP BY session_id`;

/**
 * A shard's late reset (docs/decisions/138-what-a-late-split-reset-keeps.md): the ends that
 * `ENDED_UNPAID_SQL` will read after it, those of the unpaid holds created after `createdAfterMs`
 * (the rows the reset keeps), so the live model keeps what a restart would rebuild.
 */
export function keptEnds(
	sql: SqlStorage,
	nowMs: number,
	createdAfterMs: number,
): [string, number][] {
	const ends: [string, number][] = [];
	for (const r of sql.exec<{ session_id: string; until: number }>(
		`SELECT session_id, MAX(expires_at) AS until FROM holds
		 WHERE status IN ('EXPIRED', 'CANCELLED', 'PAYMENT_FAILED') AND expires_at > ? AND created_at > ?
		 GROUP BY session_id`,
		nowMs - MAX_COOLDOWN_SECONDS * 1000,
		createdAfterMs,
	))
		ends.push([r.session_id, r.until]);
	return ends;
}

/** Everything the in-memory model is rebuilt from after a restart. */
export function loadState(sql: SqlStorage, nowMs: number): StoredState {
	const state = sql
		.exec<{ snapshot: string; seq: number }>("SELECT snapshot, seq FROM state WHERE id = 1")
		.one();
	const active = sql
		.exec<HoldRow>("SELECT * FROM holds WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')")
		.toArray()
		.map(holdFromRow)
		.filter((h) => isActive(h.status));
	const usage = sql
		.exec<{ session_id: string; units: number }>(
			`SELECT session_id, SUM(quantity) AS units FROM holds
			 WHERE status IN ('RESERVED', 'CHECKOUT_PENDING', 'PAID') GROUP BY session_id`,
		)
		.toArray()
		.map((r): [string, number] => [r.session_id, r.units]);
	const endedUnpaid: [string, number][] = [];
	const paidLately: [string, number][] = [];
	for (const r of sql.exec<{ session_id: string; until: number | null; paid: number | null }>(
		ENDED_UNPAID_SQL,
		nowMs - MAX_COOLDOWN_SECONDS * 1000,
	)) {
		if (r.until !== null) endedUnpaid.push([r.session_id, r.until]);
		if (r.paid !== null) paidLately.push([r.session_id, r.paid]);
	}
	return {
		snapshot: JSON.parse(state.snapshot) as InventorySnapshot,
		seq: state.seq,
		active,
		usage,
		endedUnpaid,
		paidLately,
	};
}

/** The model as stored: its holds, each session's count, and the cool-downs' ends and payments. */
export function inventoryFrom(state: StoredState): Inventory {
	const { snapshot, active, usage, endedUnpaid, paidLately } = state;
	return new Inventory(snapshot, active, usage, endedUnpaid, paidLately);
}
