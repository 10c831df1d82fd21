// The demo sandbox's own guardrail (docs/demo.md, step 4: "virtual cost crosses
// threshold; banner warns; allocations continue safely"). The server-wide
// GUARDRAIL_VIRTUAL_USD (0.05 by default) is sized for real traffic: a whole
// six-step demo costs about $0.002 of it, so it never trips live. A session
// may set a threshold for itself from the /demo page (POST /api/demo/guardrail),
// within these bounds; the Worker and the mock (src/web/mock) apply the same
// rule, so the guardrail trips at the same step in both.

import type { Guardrail } from "./types.ts";

/** Below this, the session's own first requests would trip it before the demo starts. */
export const DEMO_GUARDRAIL_MIN_USD = 0.0001;
/** The server's default threshold: a demo never sets a laxer one than production. */
export const DEMO_GUARDRAIL_MAX_USD = 0.05;
/**
 * Above what steps 1–3 cost (measured: $0.0017–0.0018 live, $0.0014 in the mock — one
 * allocation and two stampedes of 200), so the guardrail trips in step 4, whose
 * traffic pushes the spend past it (docs/decisions/002-demo-guardrail.md).
 */
export const DEMO_GUARDRAIL_DEFAULT_USD = 0.0025;

/** What a session stored: its threshold, and whether the presenter tripped it by hand. */
export interface DemoGuardrailSetting {
	thresholdUsd: number;
	manual: boolean;
	/** Grows with every change, so a stale copy never replaces a newer one. */
	version: number;
}

export function isDemoThreshold(usd: unknown): usd is number {
	return (
		typeof usd === "number" &&
		Number.isFinite(usd) &&
		usd >= DEMO_GUARDRAIL_MIN_USD &&
		usd <= DEMO_GUARDRAIL_MAX_USD
	);
}

/** meta.guardrail for a session with its own threshold: tripped by spend, or by hand. */
export function demoGuardrail(setting: DemoGuardrailSetting, virtualUsd: number): Guardrail {
	return {
		thresholdUsd: setting.thresholdUsd,
		tripped: setting.manual || virtualUsd > setting.thresholdUsd,
		source: "demo",
		manual: setting.manual,
	};
}
