// Gathers what the SKU's object knows per session for the fairness figures of its
// stats (domain/fairness.ts; docs/waiting-room.md, "Fairness the server can see"):
// units from the hold records (held or paid, as the stats count them), the bot
// signals from the reserve guard, the tickets from the waiting room. Runs on a stats
// read, not on the reserve path: one grouped query over the holds, a look-up per ticket
// holder in the stored reads kept in memory (inventory/readers.ts StoredReads), and one pass
// over the sessions.
// A split SKU's shards send their summaries to the coordinator with their counters
// (inventory/stats.ts shardCounters), which merges them the same way. A session's read
// is the guard's word or the one stored with its hold or ticket (inventory/readers.ts):
// the guard forgets when the object sleeps, the stored read does not.

import {
	coverageAcross,
	fairnessAcross,
	type GuardCoverage,
	type SessionSummary,
} from "../domain/fairness.ts";
import type { WaitingRoom } from "../domain/waiting-room.ts";
import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import type { FairnessStats } from "../shared/types.ts";

/**
 * Units held or sold per session, and whether its read is stored (inventory/readers.ts): the
 * live and paid holds found through the index holds_by_status_expiry (schema.ts migration 10),
 * never the ended ones, each session's stored read by its key.
 */
export const UNITS_BY_SESSION_SQL = `SELECT holds.session_id, SUM(holds.quantity) AS units,
 MAX(readers.session_id IS NOT NULL) AS read FROM holds
 LEFT JOIN readers ON readers.session_id = holds.session_id
 WHERE holds.status IN ('RESERVED', 'CHECKOUT_PENDING', 'PAID') GROUP BY holds.session_id`;

interface Held {
	units: number;
	/** The session's read is stored. */
	read: boolean;
}

/** Units held or sold per session, from the records themselves, with the stored reads. */
function unitsBySession(sql: SqlStorage): Map<string, Held> {
	const units = new Map<string, Held>();
	for (const row of sql.exec<{ session_id: string; units: number; read: number }>(
		UNITS_BY_SESSION_SQL,
	)) {
		units.set(row.session_id, { units: row.units, read: row.read === 1 });
	}
	return units;
}

/** The room's ticket holders whose read is stored: after a restart only the stored read knows they read. */
export function storedTicketReaders(
	room: WaitingRoom | null,
	reads: () => ReadonlySet<string>,
): Set<string> {
	const out = new Set<string>();
	if (room === null) return out;
	const stored = reads();
	for (const sessionId of room.sessionIds()) if (stored.has(sessionId)) out.add(sessionId);
	return out;
}

/**
 * Every session this object has units of, a stored read with its ticket (`ticketReaders`,
 * storedTicketReaders), or a word on from its guard. A tracked session the guard knows nothing
 * of (no read, no flag, no attempt) and without units is left out: it would count as "unread"
 * and not asking anyway.
 */
export function sessionSummaries(
	sql: SqlStorage,
	guard: ReserveGuard,
	ticketReaders: Set<string>,
): SessionSummary[] {
	const units = unitsBySession(sql);
	const out: SessionSummary[] = [];
	for (const [sessionId, s] of guard.known()) {
		const held = units.get(sessionId);
		units.delete(sessionId);
		const ticketRead = ticketReaders.delete(sessionId);
		const read = s.read || held?.read === true || ticketRead;
		if (held === undefined && !read && !s.everFlagged && !s.attempted) continue;
		out.push({ sessionId, units: held?.units ?? 0, ...s, read });
	}
	for (const [sessionId, held] of units) {
		ticketReaders.delete(sessionId);
		out.push({
			sessionId,
			units: held.units,
			read: held.read,
			everFlagged: false,
			attempted: false,
		});
	}
	for (const sessionId of ticketReaders) {
		out.push({ sessionId, units: 0, read: true, everFlagged: false, attempted: false });
	}
	return out;
}

/**
 * The asking sessions: a ticket in the room, a reserve attempt the guard saw, or
 * units held — each once, with its units and what the signals say of it; and what
 * the guard's memory covers (`coverage`, GuardSpan).
 */
export function fairnessStats(
	sql: SqlStorage,
	guard: ReserveGuard,
	room: WaitingRoom | null,
	reads: () => ReadonlySet<string>,
	signals: boolean,
	coverage: GuardCoverage,
): FairnessStats {
	return {
		...fairnessAcross(
			room === null ? [] : room.sessionIds(),
			[sessionSummaries(sql, guard, storedTicketReaders(room, reads))],
			room === null ? null : room.admittedTotal,
			signals,
		),
		...coverageAcross(coverage),
	};
}

/**
 * What the object's reserve guard covers (docs/decisions/193-fairness-counted-since-the-object-woke.md):
 * its memory began with the object, and the attempts decided before then are the stored
 * `decisions` the object loaded first (the rejection-only ones reach storage within
 * COUNTERS_FLUSH_MS, inventory/state-writer.ts, well before an idle object is evicted). Memory
 * only: nothing is written for it, on the reserve path or anywhere.
 */
export class GuardSpan {
	/** Null until the object first loads (a reload after a rolled-back batch keeps it). */
	private decidedBefore: number | null = null;

	constructor(private readonly guard: ReserveGuard) {}

	/** The object's first load: its stored decisions (0 for an object not created yet). */
	loaded(decisions: number): void {
		this.decidedBefore ??= decisions;
	}

	/**
	 * A reset starts the drop's counts again, and any it keeps (a shard's late reset, decision
	 * 158) come from the in-memory history, so were decided since the object started.
	 */
	reset(): void {
		this.decidedBefore = 0;
	}

	coverage(): GuardCoverage {
		return {
			sinceMs: this.guard.startedAtMs,
			decidedBefore: this.decidedBefore ?? 0,
			firstAttemptMs: this.guard.firstAttemptMs,
		};
	}
}
