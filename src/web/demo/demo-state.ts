// The guided demo's state (docs/demo.md): what one run, mock or live, has shown so far,
// its starting point, the step ids and where focus goes. Moved out of useDemo.ts, which
// holds the actions that change it.

import type { Availability, CostLedger, Guardrail, Product, UiConfig } from "../../shared/types.ts";
import type { ApiErr, Mode, Session } from "../api/client.ts";
import type { LostDemoReset } from "./lost-reset.ts";

/** docs/demo.md, step 3: a stampede of 200 concurrent attempts. */
export const STAMPEDE_ATTEMPTS = 200;
/** Step 4 keeps selling in waves of this many concurrent attempts until the guardrail trips… */
export const GUARDRAIL_WAVE_ATTEMPTS = 100;
/** …and gives up after this many (a threshold far above the demo's spend; "Trip now" remains). */
export const GUARDRAIL_RUN_MAX_ATTEMPTS = 3_000;

export type Backend = "mock" | "live";

export interface Allocation {
	reservationId: string;
	latencyMs: number;
	roundTripMs: number;
}

export interface Stampede {
	mode: Mode;
	attempts: number;
	/** Outcome → count; "allocated" for a 201. */
	outcomes: Record<string, number>;
	elapsedMs: number;
	/**
	 * Units past the stock: safe mode from the sandbox's counters, eventual mode from its
	 * granted answers. Null when it was not measured (safe mode's counters could not be read).
	 */
	oversell: number | null;
	/** Units allocated in this mode so far (since the last reset); null when not measured. */
	allocated: number | null;
	/**
	 * Why the run measured nothing: safe mode's failed counters read, or the first eventual
	 * attempt whose answer was lost (an allocation it may have made cannot be counted).
	 */
	problem: ApiErr | null;
	/** Attempts of this run whose answer was lost (no answer, or one outside the contract). */
	unanswered: number;
	/** Eventual mode: the allocations its answers granted since the last reset, a lower bound. */
	seenAllocated: number;
}

/** Step 4: traffic that carries on until the guardrail trips, and what it was answered. */
export interface GuardrailRun {
	sent: number;
	outcomes: Record<string, number>;
	/** Responses that reported the guardrail tripped, and were still answered. */
	answeredAfterTrip: number;
	tripped: boolean;
	/** Stopped at GUARDRAIL_RUN_MAX_ATTEMPTS without a trip. */
	capped: boolean;
	/** Ended because the service refused the attempts (the step's problem says how), not tripped. */
	refused: boolean;
}

/** The last response's own cost (every response carries meta.cost, docs/demo.md). */
export interface Receipt {
	request: string;
	status: number;
	cost: CostLedger;
}

export type StepId = "login" | "safe" | "stampede" | "guardrail" | "reset" | "summary";

export interface DemoState {
	backend: Backend;
	config: UiConfig | null;
	session: Session | null;
	/** When `session` ends on this page's clock (lib/session-clock.ts); null without a session. */
	sessionEndsAtMs: number | null;
	/** Step 1 is done: the session has its sandbox and the page's guardrail threshold. */
	ready: boolean;
	sandbox: Product | null;
	availability: Availability | null;
	/**
	 * The counters read after the last change (an allocation, a stampede, a guardrail run)
	 * failed: the ones on screen are older than it, so step 2 shows "–" and this problem.
	 */
	countersError: ApiErr | null;
	/** When the session ended on the page (its 20 minutes ran out, or a 401): step 1 signs in again. */
	sessionEndedAt: string | null;
	/**
	 * A step's problem (an alert) said that the session ended (a 401): the session line's notice
	 * does not say it again (decision 140). False when its 20 minutes ran out: the notice says it.
	 */
	sessionEndSaid: boolean;
	cost: CostLedger | null;
	/** Which session's token `cost` belongs to: the meter never goes down within one session. */
	costToken: string | null;
	/** A request got no answer since the meter last moved (the server may have restarted). */
	answerLost: boolean;
	/**
	 * The server reported a lower total than the meter had shown, after a lost answer: a
	 * restart loses the last unflushed seconds of metering (docs/demo.md). The meter keeps
	 * the highest total it has shown and says so.
	 */
	costBehind: { reportedUsd: number; shownUsd: number } | null;
	guardrail: Guardrail | null;
	receipt: Receipt | null;
	allocation: Allocation | null;
	safeLatenciesMs: number[];
	/** Step 3's runs since the last reset: a reset clears them, so no old oversell stays on screen. */
	stampedes: Partial<Record<Mode, Stampede>>;
	/** Every stampede of this session, for the wrap-up's "largest seen". */
	history: Stampede[];
	guardrailRun: GuardrailRun | null;
	resets: number;
	resetAt: string | null;
	/** Units available in the last reset's own answer (what the reset left, not today's counters). */
	resetAvailable: number | null;
	/** When the one-a-minute limit lets the next reset through (epoch ms), from a refusal's Retry-After. */
	resetRetryAtMs: number | null;
	/** The last reset, when its answer was lost (src/web/demo/lost-reset.ts). */
	lostReset: LostDemoReset | null;
	requests: number;
	busy: string | null;
	/** Raised to offer step 1's human check again after a failed sign-in (Turnstile's `round`). */
	checkRound: number;
	/** The latest problem, per step: a sentence for the step's live region. */
	problems: Partial<Record<StepId, ApiErr>>;
	/**
	 * Where keyboard focus goes after the last action (an element id), with a counter to repeat
	 * it; `ifLost`: only when the control that had it is gone or turned off (else it stays there).
	 */
	focus: { id: string; n: number; ifLost?: boolean } | null;
}

export function initial(backend: Backend): DemoState {
	return {
		backend,
		config: null,
		session: null,
		sessionEndsAtMs: null,
		ready: false,
		sandbox: null,
		availability: null,
		countersError: null,
		sessionEndedAt: null,
		sessionEndSaid: false,
		cost: null,
		costToken: null,
		answerLost: false,
		costBehind: null,
		guardrail: null,
		receipt: null,
		allocation: null,
		safeLatenciesMs: [],
		stampedes: {},
		history: [],
		guardrailRun: null,
		resets: 0,
		resetAt: null,
		resetAvailable: null,
		resetRetryAtMs: null,
		lostReset: null,
		requests: 0,
		busy: null,
		checkRound: 0,
		problems: {},
		focus: null,
	};
}

/** Steps 2–5 act on the session's sandbox: not before step 1, nor once the session has ended. */
export const canAct = (s: DemoState): boolean => s.session !== null && s.sandbox !== null;

/**
 * Element ids: the step headings actions move focus to, and the steps' problem lines (live
 * regions, never focus targets: docs/decisions/140-one-announcement-per-outcome.md).
 */
export const FOCUS = {
	step: (id: StepId) => `step-${id}`,
	problem: (id: StepId) => `problem-${id}`,
} as const;
