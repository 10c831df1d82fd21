// What one stampede's answers say (docs/demo.md, step 3): the outcome tally, the attempts
// whose answer was lost, and the sentence step 3 shows for a run that measured nothing.

import type { Availability } from "../../shared/types.ts";
import type { ApiErr, ApiResult } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import { type DemoState, STAMPEDE_ATTEMPTS, type Stampede } from "./demo-state.ts";

/**
 * An answer that does not say whether the attempt allocated: none at all (the server died,
 * the connection dropped), one outside the contract, or a 5xx other than the cost limit's
 * refusal. An eventual allocation behind it may exist and cannot be counted.
 */
export function answerLost(r: ApiResult<unknown>): boolean {
	if (r.ok) return false;
	return (
		r.status === 0 || r.code === "bad_response" || (r.status >= 500 && r.code !== "cost_limit")
	);
}

export interface Answers {
	/** Outcome → count; "allocated" for a 201. */
	outcomes: Record<string, number>;
	allocated: number;
	unanswered: number;
	/** The first answer that was lost, for the step's problem. */
	firstLost: ApiErr | null;
	/** The first 401: the session is gone. */
	unauthorized: ApiErr | null;
}

export function tally(results: ApiResult<unknown>[]): Answers {
	const a: Answers = {
		outcomes: {},
		allocated: 0,
		unanswered: 0,
		firstLost: null,
		unauthorized: null,
	};
	for (const r of results) {
		const key = r.ok ? "allocated" : r.code;
		a.outcomes[key] = (a.outcomes[key] ?? 0) + 1;
		if (r.ok) a.allocated += 1;
		else if (answerLost(r)) {
			a.unanswered += 1;
			a.firstLost ??= r;
		} else if (r.code === "unauthorized") a.unauthorized ??= r;
	}
	return a;
}

/** Why a run measured nothing, in step 3's words; null for a measured run. */
export function unmeasuredText(run: Stampede): string | null {
	if (run.problem === null) return null;
	if (run.mode === "safe")
		return `Oversell not measured: the sandbox's counters could not be read after the stampede. ${describeError(run.problem)}`;
	const atLeast = `at least ${run.seenAllocated} units were allocated since the last reset`;
	return run.unanswered > 0
		? `oversellDelta not measured: ${run.unanswered} of ${run.attempts} eventual attempts got no answer, and an allocation whose answer was lost cannot be counted (${atLeast}). ${describeError(run.problem)}`
		: `oversellDelta not measured: an earlier eventual run since the last reset lost answers, so its allocations cannot all be counted (${atLeast}). Reset the sandbox to measure again.`;
}

/** Step 3's problem: each shown run that measured nothing, then a failure of the step itself. */
export function stampedeProblem(s: DemoState): string | undefined {
	const lines = [s.stampedes.safe, s.stampedes.eventual]
		.map((run) => (run === undefined ? null : unmeasuredText(run)))
		.filter((t): t is string => t !== null);
	const own = s.problems.stampede;
	if (own !== undefined) lines.push(describeError(own));
	return lines.length > 0 ? lines.join(" ") : undefined;
}

/**
 * Eventual mode's count on one sandbox since its last reset: the allocations its answers
 * granted, and the first answer that was lost (from then on the count is a lower bound).
 * Held per backend for the page's life (useDemo.ts); a new sandbox starts it again.
 */
export class EventualCount {
	sku: string | null = null;
	allocated = 0;
	lost: ApiErr | null = null;

	forget(sku: string | null): void {
		this.sku = sku;
		this.allocated = 0;
		this.lost = null;
	}

	add(sku: string, answers: Answers): void {
		if (this.sku !== sku) this.forget(sku);
		this.allocated += answers.allocated;
		this.lost ??= answers.firstLost;
	}
}

/**
 * One run as step 3 shows it. Measured, not assumed: safe mode from the sandbox's own
 * counters (`read`), eventual mode from the allocations its answers granted (the session
 * cannot read stats). What could not be measured is null ("–") with its problem, never 0:
 * safe mode's counters that could not be read; eventual answers lost since the last reset.
 */
export function stampedeRun(
	mode: Stampede["mode"],
	answers: Answers,
	read: ApiResult<Availability>,
	eventual: EventualCount,
	totalStock: number,
	elapsedMs: number,
): Stampede {
	const common = { mode, attempts: STAMPEDE_ATTEMPTS, outcomes: answers.outcomes, elapsedMs };
	if (mode === "safe") {
		const a = read.ok ? read.data : null;
		return {
			...common,
			oversell: a === null ? null : Math.max(0, a.reserved + a.sold - a.total),
			allocated: a === null ? null : a.reserved + a.sold,
			problem: read.ok ? null : read,
			unanswered: answers.unanswered,
			seenAllocated: answers.allocated,
		};
	}
	const measured = eventual.lost === null;
	return {
		...common,
		oversell: measured ? Math.max(0, eventual.allocated - totalStock) : null,
		allocated: measured ? eventual.allocated : null,
		problem: answers.firstLost ?? eventual.lost,
		unanswered: answers.unanswered,
		seenAllocated: eventual.allocated,
	};
}
