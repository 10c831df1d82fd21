// The ground truth of a fairness run (cli/drop/fairness.ts): who each buyer really was,
// what it got, when it was admitted and what ETA it was shown, tallied into the run's
// figures and checked against the server's own counters. Only a simulation knows which
// sessions were people; the server's view (stats.fairness) is set beside it.

import type { Stats } from "../../src/shared/types.ts";
import type { Buyer } from "./buyers.ts";
import {
	type Fairness,
	fairnessOf,
	round,
	type ServerView,
	serverViewOf,
} from "./fairness-figures.ts";

export interface FairnessRun {
	room: boolean;
	sku: string;
	humans: number;
	scripts: number;
	scriptSessions: number;
	stock: number;
	/** Objects the SKU was split across (--shards). */
	shards: number;
	unitsSold: number;
	humanUnits: number;
	scriptUnits: number;
	/** Units per script and per human: what a script's many sessions buy it. */
	unitsPerScript: number;
	unitsPerHuman: number;
	oversell: number;
	/** The room's overbook margin in this run (null: no room). */
	overbook: number | null;
	/** Buyers whose ticket was taken before the start (room on): the shuffled pre-queue. */
	preQueue: { humans: number; scriptSessions: number } | null;
	/** Admitted buyers who then found no unit (the overbook margin), humans and script sessions. */
	admittedWithoutUnit: { humans: number; scriptSessions: number } | null;
	/**
	 * Room on: who was admitted and who of them got a hold. The shuffle decides who is
	 * admitted (a lottery, noisy on small samples); what happens after admission is the
	 * room's rule alone, so `holdRatio` (humans' hold rate ÷ scripts' hold rate, 1 is
	 * even) shows a bias of the rule without the lottery's noise.
	 */
	admissions: {
		humans: number;
		scriptSessions: number;
		humansWithHold: number;
		scriptSessionsWithHold: number;
		holdRatio: number | null;
	} | null;
	fairness: Fairness;
	/** Room on: the first ETA each human saw against the wait that followed. */
	eta: {
		samples: number;
		medianAbsErrorSeconds: number | null;
		/** Share of the humans' waits within the range they were shown; null when none saw one. */
		withinRange: number | null;
	} | null;
	queue: Stats["queue"] | null;
	/**
	 * What the server could see (stats.fairness: it cannot tell people from scripts)
	 * beside the ground truth only this simulation has (docs/waiting-room.md,
	 * "Fairness the server can see").
	 */
	serverView: ServerView | null;
	/** Whether the server's own counters agree with the orders the buyers were given. */
	verified: boolean;
	problems: string[];
	seconds: number;
}

/** One buyer of a fairness run as the simulation saw it. */
export interface Role {
	buyer: Buyer;
	human: boolean;
	/** Headers the buyer sends: its address (a script's sessions share one). */
	headers: Record<string, string>;
	units: number;
	firstEta: { atMs: number; etaSeconds: number; low: number; high: number } | null;
	admittedAtMs: number | null;
	/** Holds, then leaves without paying (ABANDON_SHARE of each kind). */
	abandons: boolean;
	/** When the server took the buyer's ticket (room on); before the start: the shuffled pre-queue. */
	joinedAtMs: number | null;
	/** Admitted, then told sold_out: the overbook margin's cost, borne by the slower buyer. */
	unitGone: boolean;
	/** Got a hold (paid for or not). */
	held: boolean;
}

/** What a run knew besides its buyers, once it was over. */
export interface RunFacts {
	room: boolean;
	sku: string;
	humans: number;
	scriptSessions: number;
	/** Sessions per script (--script-sessions). */
	sessionsPerScript: number;
	stock: number;
	/** Objects the SKU is split across (--shards; 1 is one object). */
	shards: number;
	overbook: number | null;
	startsAtMs: number;
	/** The longest gap between two looks of a person at the queue: the wait is known to within one. */
	lookGapMs: number;
	/** When the run began (performance.now()). */
	startedMs: number;
}

/**
 * The run's figures from its buyers, and the problems found: the server's stats (null when
 * they could not be read, `statsStatus` says why) must count the units the buyers were given
 * and no oversell; `problems` already holds what went wrong during the run.
 */
export function groundTruth(
	run: RunFacts,
	roles: readonly Role[],
	stats: Stats | null,
	statsStatus: number,
	problems: string[],
): FairnessRun {
	const { room, sku, humans, scriptSessions, overbook, startedMs } = run;
	const inPreQueue = (r: Role) => r.joinedAtMs !== null && r.joinedAtMs < run.startsAtMs;
	const unitsSold = roles.reduce((n, r) => n + r.units, 0);
	const oversell = stats?.oversellCount ?? -1;
	if (stats === null) problems.push(`reading the stats answered ${statsStatus}`);
	else {
		if (stats.sold !== unitsSold)
			problems.push(`the server sold ${stats.sold} units, the buyers were given ${unitsSold}`);
		if (oversell !== 0) problems.push(`oversold by ${oversell}`);
	}
	const humanUnits = roles.filter((r) => r.human).reduce((n, r) => n + r.units, 0);
	const scripts = Math.ceil(scriptSessions / run.sessionsPerScript);
	const etaSamples = roles.filter((r) => r.firstEta !== null && r.admittedAtMs !== null);
	const errors = etaSamples
		.map((r) =>
			Math.abs(
				((r.admittedAtMs as number) - (r.firstEta?.atMs ?? 0)) / 1000 -
					(r.firstEta?.etaSeconds ?? 0),
			),
		)
		.sort((a, b) => a - b);
	const within = etaSamples.filter((r) => {
		const waited = ((r.admittedAtMs as number) - (r.firstEta?.atMs ?? 0)) / 1000;
		// The buyer looks every 1–3 s: the wait is known to within one gap.
		return (
			waited >= (r.firstEta?.low ?? 0) - run.lookGapMs / 1000 &&
			waited <= (r.firstEta?.high ?? 0) + run.lookGapMs / 1000
		);
	}).length;
	return {
		room,
		sku,
		humans,
		scripts,
		scriptSessions,
		stock: run.stock,
		shards: run.shards,
		unitsSold,
		humanUnits,
		scriptUnits: unitsSold - humanUnits,
		unitsPerScript: scripts === 0 ? 0 : round((unitsSold - humanUnits) / scripts),
		unitsPerHuman: humans === 0 ? 0 : round(humanUnits / humans),
		oversell,
		overbook,
		preQueue: room
			? {
					humans: roles.filter((r) => r.human && inPreQueue(r)).length,
					scriptSessions: roles.filter((r) => !r.human && inPreQueue(r)).length,
				}
			: null,
		admittedWithoutUnit: room
			? {
					humans: roles.filter((r) => r.human && r.unitGone && !r.held).length,
					scriptSessions: roles.filter((r) => !r.human && r.unitGone && !r.held).length,
				}
			: null,
		admissions: room ? admissionsOf(roles) : null,
		fairness: fairnessOf(roles.map((r) => ({ human: r.human, units: r.units }))),
		eta: room
			? {
					samples: etaSamples.length,
					medianAbsErrorSeconds:
						errors.length === 0 ? null : round(errors[Math.floor(errors.length / 2)] as number),
					withinRange: etaSamples.length === 0 ? null : round(within / etaSamples.length),
				}
			: null,
		queue: stats?.queue ?? null,
		serverView: stats?.fairness === undefined ? null : serverViewOf(stats.fairness),
		verified: problems.length === 0,
		problems,
		seconds: Math.round((performance.now() - startedMs) / 100) / 10,
	};
}

function admissionsOf(roles: readonly Role[]): NonNullable<FairnessRun["admissions"]> {
	const count = (human: boolean, held: boolean) =>
		roles.filter((r) => r.human === human && r.admittedAtMs !== null && (!held || r.held)).length;
	const humans = count(true, false);
	const scriptSessions = count(false, false);
	const humansWithHold = count(true, true);
	const scriptSessionsWithHold = count(false, true);
	return {
		humans,
		scriptSessions,
		humansWithHold,
		scriptSessionsWithHold,
		holdRatio:
			humans === 0 || scriptSessionsWithHold === 0
				? null
				: round(humansWithHold / humans / (scriptSessionsWithHold / scriptSessions)),
	};
}
