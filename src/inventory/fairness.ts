// Gathers what the SKU's object knows per session for the fairness figures of its
// stats (domain/fairness.ts; docs/waiting-room.md, "Fairness the server can see"):
// units from the hold records (held or paid, as the stats count them), the bot
// signals from the reserve guard, the tickets from the waiting room. Runs on a stats
// read, not on the reserve path: one grouped query and one pass over the sessions.

import { type SessionUnits, serverFairness, signalOf } from "../domain/fairness.ts";
import type { WaitingRoom } from "../domain/waiting-room.ts";
import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import type { FairnessStats } from "../shared/types.ts";

/** Units held or sold per session, from the records themselves. */
function unitsBySession(sql: SqlStorage): Map<string, number> {
	const units = new Map<string, number>();
	for (const row of sql.exec<{ session_id: string; units: number }>(
		`SELECT session_id, SUM(quantity) AS units FROM holds
		 WHERE status IN ('RESERVED', 'CHECKOUT_PENDING', 'PAID') GROUP BY session_id`,
	)) {
		units.set(row.session_id, row.units);
	}
	return units;
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
	const units = unitsBySession(sql);
	const known = new Map(guard.known());
	const asking = new Set<string>(units.keys());
	for (const [sessionId, s] of known) if (s.attempted) asking.add(sessionId);
	if (room !== null) for (const sessionId of room.sessionIds()) asking.add(sessionId);
	const sessions: SessionUnits[] = [];
	for (const sessionId of asking) {
		sessions.push({ units: units.get(sessionId) ?? 0, signal: signalOf(known.get(sessionId)) });
	}
	return serverFairness(sessions, room === null ? null : room.admittedTotal, signals);
}
