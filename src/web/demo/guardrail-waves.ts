// Step 4 of the demo (docs/demo.md) sells in waves until the guardrail trips. What one wave's
// answers say about the next: the sale's own answers (a hold, sold_out, purchase_limit) let the
// run go on; the service refusing the attempts (no answer, 429, 503, any other 5xx or
// refusal) is not the guardrail's business, and the run honours it: a wave refused entirely
// ends the run with the refusal as the step's problem, and a Retry-After is waited out before
// the next wave, or ends the run when it asks for longer than the page waits.
// docs/decisions/077-demo-refusals-and-reset.md. Pure: test/unit/demo-guardrail-waves.test.ts.

import type { ApiErr, ApiResult } from "../api/client.ts";

/** The run waits out a Retry-After of at most this many seconds between waves. */
export const WAVE_RETRY_MAX_SECONDS = 5;

/** Answers of the sale itself: the stock or the buyer's limit decided, the service served. */
const SALE_ANSWERS = new Set<string>(["sold_out", "purchase_limit"]);

/** A refusal of the service rather than an answer of the sale. */
export function refusedByService(r: ApiResult<unknown>): r is ApiErr {
	return !r.ok && !SALE_ANSWERS.has(r.code);
}

export type WaveVerdict =
	| { kind: "next"; pauseSeconds: number }
	| { kind: "stop"; problem: ApiErr };

/** What to do after a wave whose answers are `results` (the guardrail not yet tripped). */
export function afterWave(results: ApiResult<unknown>[]): WaveVerdict {
	const refusals = results.filter(refusedByService);
	// No answer at all (the server gone), or the session gone (401): nothing to go on with.
	const ended = refusals.find((r) => r.status === 0 || r.code === "unauthorized");
	if (ended) return { kind: "stop", problem: ended };
	const waits = refusals.filter((r) => r.retryAfterSeconds !== null);
	const longest = waits.reduce<ApiErr | undefined>(
		(max, r) => ((r.retryAfterSeconds ?? 0) > (max?.retryAfterSeconds ?? -1) ? r : max),
		undefined,
	);
	const first = longest ?? refusals[0];
	if (first !== undefined && refusals.length === results.length)
		return { kind: "stop", problem: first };
	if (longest !== undefined) {
		const wait = longest.retryAfterSeconds ?? 0;
		if (wait > WAVE_RETRY_MAX_SECONDS) return { kind: "stop", problem: longest };
		return { kind: "next", pauseSeconds: wait };
	}
	return { kind: "next", pauseSeconds: 0 };
}
