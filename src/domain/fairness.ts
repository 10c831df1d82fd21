// The fairness figures a SKU's object can honestly report about its own drop
// (docs/waiting-room.md, "Fairness the server can see"). The server does not know
// who is a person: it knows each session's units (from the hold records), whether
// it read the product before it tried (the "prior read"), and whether the bot
// signals (domain/botsignals.ts) ever flagged it. So it reports how evenly the
// units went round the sessions that asked, and how the sessions its signals look
// on as suspect fared against the rest. Whether those sessions were scripts is
// something only a simulated drop's ground truth can say (cli/drop/fairness-truth.ts
// sets the two side by side). Pure: the caller gathers the sessions — from one object, or
// from every shard of a split SKU (fairnessAcross).

import type { FairnessGroup, FairnessStats } from "../shared/types.ts";

/** What the bot signals say of a session: never flagged and read first; flagged at some point; never read. */
export type SessionSignal = "clear" | "flagged" | "unread";

export interface SessionUnits {
	units: number;
	signal: SessionSignal;
}

/** The figures as the stats report them (the wire type, src/shared/types.ts), but what they cover. */
export type ServerFairness = Omit<FairnessStats, keyof FairnessCoverage>;

/** What the figures cover (coverageAcross): since when, and whether attempts came before. */
export type FairnessCoverage = Pick<FairnessStats, "countedSince" | "partial">;

/**
 * What one object's reserve guard remembers (docs/decisions/193-fairness-counted-since-the-object-woke.md).
 * Its memory began when the object started or woke; what the object had decided before then it
 * counted (`decisions`, stored with its state row) but knows no session of.
 */
export interface GuardCoverage {
	/** When the guard's memory began. */
	sinceMs: number;
	/** Reserve attempts the object had decided before `sinceMs` (in the drop the stats count). */
	decidedBefore: number;
	/** The first attempt the guard judged since `sinceMs`; null before any. */
	firstAttemptMs: number | null;
}

/** Jain's fairness index over non-negative amounts: 1 is everyone equal, 1/n is one takes all. */
export function jainIndex(amounts: readonly number[]): number | null {
	let sum = 0;
	let squares = 0;
	for (const x of amounts) {
		sum += x;
		squares += x * x;
	}
	if (amounts.length === 0 || squares === 0) return null;
	return (sum * sum) / (amounts.length * squares);
}

/**
 * A share ratio: a group's share of the units ÷ its share of the sessions. Null when
 * either share is undefined (no units, no sessions) or the group has no session.
 */
export function shareRatio(
	groupUnits: number,
	groupSessions: number,
	units: number,
	sessions: number,
): number | null {
	if (units <= 0 || sessions <= 0 || groupSessions <= 0) return null;
	return groupUnits / units / (groupSessions / sessions);
}

/** The server's fairness figures from the asking sessions' units and signals. */
export function serverFairness(
	sessions: readonly SessionUnits[],
	admittedTotal: number | null,
	signals: boolean,
): ServerFairness {
	const groups: Record<SessionSignal, FairnessGroup> = {
		clear: { sessions: 0, units: 0 },
		flagged: { sessions: 0, units: 0 },
		unread: { sessions: 0, units: 0 },
	};
	let units = 0;
	let withUnits = 0;
	for (const s of sessions) {
		const g = groups[s.signal];
		g.sessions += 1;
		g.units += s.units;
		units += s.units;
		if (s.units > 0) withUnits += 1;
	}
	return {
		sessions: sessions.length,
		units,
		sessionsWithUnits: withUnits,
		jainIndex: jainIndex(sessions.map((s) => s.units)),
		unitsPerAdmission: admittedTotal === null || admittedTotal <= 0 ? null : units / admittedTotal,
		signals,
		clear: signals ? groups.clear : null,
		flagged: signals ? groups.flagged : null,
		unread: signals ? groups.unread : null,
		clearShareRatio: signals
			? shareRatio(groups.clear.units, groups.clear.sessions, units, sessions.length)
			: null,
	};
}

/** A session's signal from what the guard knows of it; a flag outranks a missing read. */
export function signalOf(
	state: { read: boolean; everFlagged: boolean } | undefined,
): SessionSignal {
	if (state === undefined) return "unread";
	if (state.everFlagged) return "flagged";
	return state.read ? "clear" : "unread";
}

/**
 * What one object knows of a session for the fairness figures: its units there and
 * the reserve guard's word on it. A split SKU's shards each send theirs with their
 * counters (inventory/split-sku-views.ts); a SKU in one object sends its own.
 */
export interface SessionSummary {
	sessionId: string;
	/** Units held or sold to it in this object. */
	units: number;
	read: boolean;
	everFlagged: boolean;
	/** The guard saw a reserve attempt from it here. */
	attempted: boolean;
}

/**
 * The fairness figures over the summaries of one or more objects and the room's
 * ticket holders. A session is counted once whichever object knows of it: its
 * units add up, and what the guards say of it adds up too (read anywhere, flagged
 * anywhere, attempted anywhere). That is what one object would have known: on a
 * split SKU reads reach the coordinator and attempts the session's own shard
 * (docs/waiting-room.md, "A SKU split across shards").
 */
export function fairnessAcross(
	tickets: Iterable<string>,
	summaries: Iterable<readonly SessionSummary[]>,
	admittedTotal: number | null,
	signals: boolean,
): ServerFairness {
	const known = new Map<string, Omit<SessionSummary, "sessionId">>();
	for (const list of summaries) {
		for (const s of list) {
			const seen = known.get(s.sessionId);
			if (seen === undefined) {
				known.set(s.sessionId, {
					units: s.units,
					read: s.read,
					everFlagged: s.everFlagged,
					attempted: s.attempted,
				});
				continue;
			}
			seen.units += s.units;
			seen.read ||= s.read;
			seen.everFlagged ||= s.everFlagged;
			seen.attempted ||= s.attempted;
		}
	}
	const asking = new Set<string>(tickets);
	for (const [sessionId, s] of known) if (s.attempted || s.units > 0) asking.add(sessionId);
	const sessions: SessionUnits[] = [];
	for (const sessionId of asking) {
		const s = known.get(sessionId);
		sessions.push({ units: s?.units ?? 0, signal: signalOf(s) });
	}
	return serverFairness(sessions, admittedTotal, signals);
}

/**
 * What the figures cover: since the latest start among the objects, partial when an object had
 * decided attempts before its own start, or when a shard's guard judged one before the
 * coordinator's start (a split SKU's reads reach the coordinator: its restart forgets the reads
 * of those sessions). `shards` are a split SKU's (the coordinator's own among them or not); an
 * older shard that sends none adds nothing. A SKU in one object passes none.
 */
export function coverageAcross(
	coordinator: GuardCoverage,
	shards: Iterable<GuardCoverage | undefined> = [],
): FairnessCoverage {
	let sinceMs = coordinator.sinceMs;
	let partial = coordinator.decidedBefore > 0;
	for (const s of shards) {
		if (s === undefined) continue;
		sinceMs = Math.max(sinceMs, s.sinceMs);
		if (s.decidedBefore > 0) partial = true;
		if (s.firstAttemptMs !== null && s.firstAttemptMs < coordinator.sinceMs) partial = true;
	}
	return { countedSince: new Date(sinceMs).toISOString(), partial };
}
