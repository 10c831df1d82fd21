// The fairness figures of a drop (cli/drop/fairness.ts): pure, so the unit tests and
// any report can compute them from units per buyer.

import type { ServerFairness } from "../../src/domain/fairness.ts";

export interface Fairness {
	humanShareOfDemand: number;
	humanShareOfUnits: number;
	humanShareRatio: number;
	/** Jain's index over the humans' units: (Σx)² / (n·Σx²); 1 is everyone equal. */
	jainIndex: number;
}

/** The fairness figures from units per buyer (`true`: a human). */
export function fairnessOf(units: readonly { human: boolean; units: number }[]): Fairness {
	const humans = units.filter((u) => u.human);
	const total = units.reduce((n, u) => n + u.units, 0);
	const humanUnits = humans.reduce((n, u) => n + u.units, 0);
	const share = units.length === 0 ? 0 : humans.length / units.length;
	const unitsShare = total === 0 ? 0 : humanUnits / total;
	const squares = humans.reduce((n, u) => n + u.units * u.units, 0);
	return {
		humanShareOfDemand: round(share),
		humanShareOfUnits: round(unitsShare),
		humanShareRatio: share === 0 ? 0 : round(unitsShare / share),
		jainIndex: squares === 0 ? 0 : round((humanUnits * humanUnits) / (humans.length * squares)),
	};
}

export function round(n: number): number {
	return Math.round(n * 1000) / 1000;
}

export interface ServerView {
	/** The stats' figures (what they cover, `countedSince` and `partial`, aside). */
	figures: ServerFairness;
	/** Sessions the server counts as suspect (flagged, or no read before trying); null without signals. */
	suspectSessions: number | null;
	/** Units to them (null without signals), against the scripts' units. */
	unitsToSuspect: number | null;
	/** Its stand-in for the humans' share ratio: the clear sessions' one. */
	clearShareRatio: number | null;
}

/** The server's figures set beside the truth (pure: the report and the tests use it). */
export function serverViewOf(figures: ServerFairness): ServerView {
	const suspect =
		figures.flagged === null || figures.unread === null
			? null
			: {
					sessions: figures.flagged.sessions + figures.unread.sessions,
					units: figures.flagged.units + figures.unread.units,
				};
	return {
		figures,
		suspectSessions: suspect?.sessions ?? null,
		unitsToSuspect: suspect?.units ?? null,
		clearShareRatio: figures.clearShareRatio === null ? null : round(figures.clearShareRatio),
	};
}
