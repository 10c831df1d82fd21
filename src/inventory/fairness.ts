// Gathers what the SKU's object knows per session for the fairness figures of its
// stats (domain/fairness.ts; docs/waiting-room.md, "Fairness the server can see"):
// units from the hold records (held or paid, as the stats count them), the bot
// signals from the reserve guard, the tickets from the waiting room. Runs on a stats
// read, not on the reserve path: one grouped query and one pass over the sessions.
// A split SKU's shards send their summaries to the coordinator with their counters
// (inventory/stats.ts shardCounters), which merges them the same way.

import { fairnessAcross, type SessionSummary } from "../domain/fairness.ts";
import type { WaitingRoom } from "../domain/waiting-room.ts";
import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import type { FairnessStats } from "../shared/types.ts";

/**
 * Units held or sold per session: the live and paid holds found through the index
 * holds_by_status_expiry (schema.ts migration 10), never the ended ones.
 */
export const UNITS_BY_SESSION_SQL = `SELECT session_id, SUM(quantity) AS units FROM holds
 WHERE status IN ('RESERVED', 'CHECKOUT_PENDING', 'PAID') GROUP BY session_id`;

/** Units held or sold per session, from the records themselves. */
function unitsBySession(sql: SqlStorage): Map<string, number> {
	const units = new Map<string, number>();
	for (const row of sql.exec<{ session_id: string; units: number }>(UNITS_BY_SESSION_SQL)) {
		units.set(row.session_id, row.units);
	}
	return units;
}

/**
 * Every session this object has units of or a word on from its guard. A tracked
 * session the guard knows nothing of (no read, no flag, no attempt) and without
 * units is left out: it would count as "unread" and not asking anyway.
 */
export function sessionSummaries(sql: SqlStorage, guard: ReserveGuard): SessionSummary[] {
	const units = unitsBySession(sql);
	const out: SessionSummary[] = [];
	for (const [sessionId, s] of guard.known()) {
		const held = units.get(sessionId) ?? 0;
		units.delete(sessionId);
		if (held === 0 && !s.read && !s.everFlagged && !s.attempted) continue;
		out.push({ sessionId, units: held, ...s });
	}
	for (const [sessionId, held] of units) {
		out.push({ sessionId, units: held, read: false, everFlagged: false, attempted: false });
	}
	return out;
}

/**
 * The asking sessions: a ticket in the room, a reserve attempt the guard saw, or
 * units held — each once, with its units and what the signals say of it.
 */
export function fairnessStats(
	sql: SqlStorage,
	guard: ReserveGuard,
	room: WaitingRoom | null,
	signals: boolean,
): FairnessStats {
	return fairnessAcross(
		room === null ? [] : room.sessionIds(),
		[sessionSummaries(sql, guard)],
		room === null ? null : room.admittedTotal,
		signals,
	);
}
