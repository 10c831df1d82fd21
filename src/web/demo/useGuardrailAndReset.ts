// Steps 4 and 5 of the demo (docs/demo.md): the run that sells until the guardrail trips, and
// the sandbox's reset, with what settles a reset whose answer was lost. Split out of
// useDemo.ts, which hands them its helpers (the `DemoKit`) and spreads these actions into its own.
// docs/decisions/077-demo-refusals-and-reset.md.

import { useEffect, useRef } from "preact/hooks";
import { sleep } from "../../shared/sleep.ts";
import type { Availability } from "../../shared/types.ts";
import type { ApiClient, ApiErr, ApiResult } from "../api/client.ts";
import {
	type DemoState,
	FOCUS,
	GUARDRAIL_RUN_MAX_ATTEMPTS,
	GUARDRAIL_WAVE_ATTEMPTS,
	type GuardrailRun,
	type StepId,
} from "./demo-state.ts";
import { afterWave } from "./guardrail-waves.ts";
import { outcomeUnknown, watchHold } from "./lost-reset.ts";
import type { EventualCount } from "./stampede-run.ts";

/** What useDemo.ts shares with these steps. */
export interface DemoKit {
	api: ApiClient;
	state: DemoState;
	patch(p: Partial<DemoState> | ((s: DemoState) => Partial<DemoState>)): void;
	track<T>(request: string, r: ApiResult<T>): ApiResult<T>;
	problem(step: StepId, err: ApiErr | null): void;
	failed(step: StepId, err: ApiErr): void;
	/** Focus stays where it was unless its control is gone or off; then to `id` (useDemo.ts). */
	keepFocusOr(id: string): void;
	refresh(sku: string, changed: boolean): Promise<ApiResult<Availability>>;
	eventual: EventualCount;
}

export function useGuardrailAndReset(kit: DemoKit) {
	const { api, state, patch, track, problem, failed, keepFocusOr, refresh, eventual } = kit;
	/** A hold this demo took in step 4, when step 2's is not known (a lost reset is settled by it). */
	const knownHold = useRef<string | null>(null);
	/** Stops the reads that settle a reset whose answer was lost. */
	const stopSettling = useRef<(() => void) | null>(null);
	useEffect(() => () => stopSettling.current?.(), []);

	/** A reset happened: the runs before it describe stock that is gone. */
	const resetDone = (sku: string, available: number | null) => {
		patch((s) => ({
			resets: s.resets + 1,
			resetAt: new Date().toISOString(),
			resetAvailable: available,
			resetRetryAtMs: null,
			...(available !== null ? { lostReset: null } : {}),
			stampedes: {},
			allocation: null,
			guardrailRun: null,
		}));
		eventual.forget(sku);
		knownHold.current = null;
	};

	return {
		/**
		 * Step 4: keeps selling in waves until a response reports the guardrail
		 * tripped. Nothing is refused for it: every attempt is still answered.
		 */
		async runToGuardrail() {
			const sandbox = state.sandbox;
			if (!sandbox) return;
			patch({ busy: "guardrail" });
			const run: GuardrailRun = {
				sent: 0,
				outcomes: {},
				answeredAfterTrip: 0,
				tripped: false,
				capped: false,
				refused: false,
			};
			while (!run.tripped && run.sent < GUARDRAIL_RUN_MAX_ATTEMPTS) {
				const wave = Math.min(GUARDRAIL_WAVE_ATTEMPTS, GUARDRAIL_RUN_MAX_ATTEMPTS - run.sent);
				const results = await Promise.all(
					Array.from({ length: wave }, () =>
						api
							.reserve(sandbox.sku, { mode: "safe" })
							.then((r) => track("POST /api/reservations", r)),
					),
				);
				for (const r of results) {
					run.sent += 1;
					if (r.ok) knownHold.current = r.data.reservationId;
					const key = r.ok ? "allocated" : r.code;
					run.outcomes[key] = (run.outcomes[key] ?? 0) + 1;
					if (r.meta?.guardrail?.tripped) {
						run.tripped = true;
						run.answeredAfterTrip += 1;
					}
				}
				// The service refusing the wave (no answer, 429, 503…) ends the run with its problem,
				// never with advice about the threshold; a short Retry-After is waited out.
				const next = run.tripped ? null : afterWave(results);
				if (next?.kind === "stop") {
					run.refused = true;
					patch({ busy: null, guardrailRun: { ...run, outcomes: { ...run.outcomes } } });
					failed("guardrail", next.problem);
					return;
				}
				patch({ guardrailRun: { ...run, outcomes: { ...run.outcomes } } });
				if (next && next.pauseSeconds > 0 && run.sent < GUARDRAIL_RUN_MAX_ATTEMPTS)
					await sleep(next.pauseSeconds * 1000);
			}
			run.capped = !run.tripped;
			patch({ busy: null, guardrailRun: run });
			problem("guardrail", null);
			await refresh(sandbox.sku, true);
			// The tripped alert or the run's status says how it ended. Tripped, both buttons are off:
			// focus goes on to step 5.
			keepFocusOr(FOCUS.step(run.tripped ? "reset" : "guardrail"));
		},
		async reset() {
			const sandbox = state.sandbox;
			if (!sandbox) return;
			// A hold of this demo's: what tells whether a reset whose answer is lost was done.
			const holdId = state.allocation?.reservationId ?? knownHold.current;
			const sentAt = new Date().toISOString();
			patch({ busy: "reset" });
			const r = track("POST /api/demo/sandbox/reset", await api.resetSandbox());
			// An earlier lost reset stays watched until this one's outcome replaces it.
			if (r.ok || outcomeUnknown(r)) stopSettling.current?.();
			if (r.ok) {
				patch({
					busy: null,
					sandbox: r.data,
					availability: r.data.availability,
					countersError: null,
				});
				resetDone(sandbox.sku, r.data.availability.available);
				problem("reset", null);
				// The reset's answer carried the counters: a failed read after it leaves them true.
				await refresh(sandbox.sku, false);
				// The result, a status already in the page, says it: focus stays on Reset.
				keepFocusOr(FOCUS.step("reset"));
				return;
			}
			if (!outcomeUnknown(r)) {
				// Refused: nothing was reset. The limit's wait is counted down from now.
				patch({
					busy: null,
					resetRetryAtMs:
						r.code === "rate_limited" && r.retryAfterSeconds !== null
							? Date.now() + r.retryAfterSeconds * 1000
							: null,
				});
				failed("reset", r);
				return;
			}
			// No answer, or none the contract knows: the server may have reset it. Not "failed".
			patch({
				busy: null,
				lostReset: { sentAt, holdId, problem: r, verdict: "unknown", settledAt: null },
			});
			problem("reset", null);
			keepFocusOr(FOCUS.step("reset"));
			if (holdId === null) return;
			const settle = (verdict: "done" | "not_done" | "not_yet") => {
				stopSettling.current = null;
				patch((st) => ({
					lostReset: st.lostReset && {
						...st.lostReset,
						verdict,
						settledAt: new Date().toISOString(),
					},
				}));
				if (verdict === "done") resetDone(sandbox.sku, null);
				// A reset done changed the counters: a failed read then says they are not current.
				void refresh(sandbox.sku, verdict === "done");
			};
			stopSettling.current = watchHold(
				() => api.reservation(holdId).then((h) => track(`GET /api/reservations/${holdId}`, h)),
				settle,
				// The step's problem: a 401 there ends the session, as for any step (problem()).
				(err) => {
					stopSettling.current = null;
					problem("reset", err);
				},
				r.timedOut === true,
			);
		},
	};
}
