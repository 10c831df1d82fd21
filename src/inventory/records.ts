// The SKU object's own records in SQLite: holds, idempotency outcomes and the
// state row. Plain functions over `SqlStorage`, so the object keeps to
// decisions and scheduling while this file holds the statements.

import { type Hold, type InventorySnapshot, isActive } from "../domain/inventory.ts";
import { type HoldRow, holdFromRow, holdParams } from "./codec.ts";
import type { ReserveResult } from "./rpc.ts";

const UPSERT_HOLD = `INSERT OR REPLACE INTO holds
	(id, session_id, quantity, status, created_at, expires_at, idem_key, order_id, payment_deadline)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function writeHold(sql: SqlStorage, hold: Hold): void {
	sql.exec(UPSERT_HOLD, ...holdParams(hold));
}

export function readStoredHold(sql: SqlStorage, id: string): Hold | null {
	const row = sql.exec<HoldRow>("SELECT * FROM holds WHERE id = ?", id).toArray()[0];
	return row === undefined ? null : holdFromRow(row);
}

/** Units held and sold, summed from the hold rows themselves (stats never trust the cache). */
export function unitsFromRecords(sql: SqlStorage): { reserved: number; sold: number } {
	let reserved = 0;
	let sold = 0;
	for (const row of sql.exec<{ status: string; units: number }>(
		"SELECT status, SUM(quantity) AS units FROM holds GROUP BY status",
	)) {
		if (row.status === "RESERVED" || row.status === "CHECKOUT_PENDING") reserved += row.units;
		if (row.status === "PAID") sold += row.units;
	}
	return { reserved, sold };
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
}

/** Everything the in-memory model is rebuilt from after a restart. */
export function loadState(sql: SqlStorage): StoredState {
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
	return {
		snapshot: JSON.parse(state.snapshot) as InventorySnapshot,
		seq: state.seq,
		active,
		usage,
	};
}
