// Deleting ended holds (EXPIRED, CANCELLED, PAYMENT_FAILED) once nothing may ask for them any
// more (domain/hold-retention.ts; docs/decisions/088-ended-holds-and-replays.md). Run from the
// SKU object's alarm with the ended Idempotency-Key records (inventory/deadlines.ts), a bounded
// batch per run, through the index holds_by_status_expiry (schema.ts migration 10): a run reads
// the entries it deletes and one more per status, never the live or paid holds.

/** The statuses of a hold that has ended without a sale. */
export const ENDED_STATUSES = ["EXPIRED", "CANCELLED", "PAYMENT_FAILED"] as const;

/** Ended holds one alarm run deletes at most; the rest go in the next run, at once. */
export const ENDED_HOLDS_PRUNE_BATCH = 1000;

/** One status's oldest entries first: a range of the index, no sort. */
export const PRUNE_ENDED_SQL = `DELETE FROM holds WHERE rowid IN
 (SELECT rowid FROM holds WHERE status = ? AND expires_at <= ? ORDER BY expires_at LIMIT ?)
 RETURNING session_id`;

/** The earliest `expires_at` among the ended holds: one seek of the index per status. */
export const EARLIEST_ENDED_SQL = `SELECT MIN(at) AS at FROM (
 SELECT MIN(expires_at) AS at FROM holds WHERE status = 'EXPIRED'
 UNION ALL SELECT MIN(expires_at) FROM holds WHERE status = 'CANCELLED'
 UNION ALL SELECT MIN(expires_at) FROM holds WHERE status = 'PAYMENT_FAILED')`;

/**
 * Deletes the ended holds whose `expires_at` is at or before `expiredByMs`, at most `limit` of
 * each status. Returns how many went, the sessions they were of (their stored read may go with
 * them: inventory/readers.ts forgetReadersOf) and the earliest `expires_at` of the ended holds
 * left (null: none left).
 */
export function pruneEndedHolds(
	sql: SqlStorage,
	expiredByMs: number,
	limit: number,
): { deleted: number; sessions: Set<string>; earliestEndedMs: number | null } {
	let deleted = 0;
	const sessions = new Set<string>();
	for (const status of ENDED_STATUSES) {
		for (const row of sql.exec<{ session_id: string }>(
			PRUNE_ENDED_SQL,
			status,
			expiredByMs,
			limit,
		)) {
			deleted += 1;
			sessions.add(row.session_id);
		}
	}
	return { deleted, sessions, earliestEndedMs: earliestEndedExpiry(sql) };
}

/** The earliest `expires_at` among the ended holds, or null when none is kept. */
export function earliestEndedExpiry(sql: SqlStorage): number | null {
	return sql.exec<{ at: number | null }>(EARLIEST_ENDED_SQL).one().at;
}
