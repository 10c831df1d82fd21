// meta.cost and meta.guardrail: computed once per request, when its envelope
// is built (http.ts meta(), which every JSON response goes through, errors
// included), and charged to the session's running total at that moment.

import { costUsd, PRICES_AS_OF, realUsd } from "../../domain/pricing.ts";
import { demoGuardrail } from "../../shared/demo-guardrail.ts";
import type { CostLedger, Guardrail, UsageCounts } from "../../shared/types.ts";
import type { Ctx } from "../http.ts";
import { charge, entryFor, flushUsage, totalUsd } from "./ledger.ts";
import { addUsage, requestUsage } from "./meter.ts";

export interface CostMeta {
	cost: CostLedger;
	guardrail: Guardrail;
}

/** Per-request: the meter and, once computed, the answer (a second meta() call repeats it). */
export interface CostState {
	usage: UsageCounts;
	result: CostMeta | null;
}

export function costState(c: Ctx): CostState {
	let state = c.get("cost");
	if (state === undefined) {
		// A response built before the cost middleware ran (it is first, so only by a bug) still gets a ledger.
		state = { usage: requestUsage(), result: null };
		c.set("cost", state);
	}
	return state;
}

/** Background work that must outlive the response (ledger flushes). */
export function deferTo(c: Ctx): (p: Promise<unknown>) => void {
	return (p) => {
		const guarded = p.catch((error: unknown) =>
			console.warn("deferred cost work failed", String(error)),
		);
		try {
			c.executionCtx.waitUntil(guarded);
		} catch {
			// No execution context (a direct app.fetch call without one): the promise still runs.
		}
	};
}

export function costMeta(c: Ctx): CostMeta {
	const state = costState(c);
	if (state.result !== null) return state.result;
	const config = c.get("config").cost;
	const sessionId = c.get("session")?.sessionId;
	let requestUsd: number;
	let virtualUsd: number;
	let guardrail: Guardrail | null = null;
	if (sessionId === undefined) {
		requestUsd = costUsd(state.usage);
		virtualUsd = requestUsd;
	} else {
		const defer = deferTo(c);
		const entry = entryFor(c.env, sessionId, state.usage, defer);
		const flush = flushUsage(c.env, entry);
		if (flush !== null) addUsage(state.usage, flush);
		requestUsd = costUsd(state.usage);
		charge(c.env, sessionId, entry, requestUsd, flush !== null, defer);
		virtualUsd = totalUsd(entry);
		// A session that set its own demo threshold (routes/demo.ts) is judged by it; every other by the server's.
		if (entry.guardrail !== null) guardrail = demoGuardrail(entry.guardrail, virtualUsd);
	}
	state.result = {
		cost: {
			requestUsd,
			usage: { ...state.usage },
			scope: sessionId === undefined ? "request" : "session",
			virtualUsd,
			realUsd: realUsd(virtualUsd, config.billingScale),
			billingScale: config.billingScale,
			limitUsd: config.limitUsd,
			pricesAsOf: PRICES_AS_OF,
		},
		guardrail: guardrail ?? {
			thresholdUsd: config.guardrailUsd,
			tripped: virtualUsd > config.guardrailUsd,
		},
	};
	return state.result;
}
