// The guided demo's state and actions (the six steps of docs/demo.md). One ApiClient per
// backend: live talks to the Worker, mock to the in-browser simulation; the
// steps below cannot tell which, by design. The page keeps one of these per
// backend, so switching Mock/Live never wipes the other run's progress.

import { useMemo, useRef, useState } from "preact/hooks";
import { sleep } from "../../shared/sleep.ts";
import type { Availability, Product } from "../../shared/types.ts";
import { ApiClient, type ApiErr, type ApiResult, type Mode } from "../api/client.ts";
import { httpTransport } from "../api/transport.ts";
import { sessionEndsAtMs } from "../lib/session-clock.ts";
import { MockBackend } from "../mock/backend.ts";
import { meterAfter } from "./cost-floor.ts";
import {
	type Backend,
	type DemoState,
	FOCUS,
	initial,
	STAMPEDE_ATTEMPTS,
	type StepId,
} from "./demo-state.ts";
import { EventualCount, stampedeRun, tally } from "./stampede-run.ts";
import { useGuardrailAndReset } from "./useGuardrailAndReset.ts";

/** Step 3 reads the counters once more after a refusal that asks for at most this wait. */
const COUNTERS_RETRY_MAX_SECONDS = 5;

export function useDemo(backend: Backend) {
	const [state, setState] = useState<DemoState>(() => initial(backend));
	const api = useMemo(
		() => new ApiClient(backend === "mock" ? new MockBackend() : httpTransport()),
		[backend],
	);
	// api.token is set once, by login: a render in between (state not yet carrying the
	// session) must not clear it while login's later requests are on their way.
	/** Eventual allocations on this sandbox since its last reset (stampede-run.ts). */
	const eventual = useRef(new EventualCount()).current;
	const focusCount = useRef(0);
	const patch = (p: Partial<DemoState> | ((s: DemoState) => Partial<DemoState>)) =>
		setState((s) => ({ ...s, ...(typeof p === "function" ? p(s) : p) }));
	const focusOn = (id: string) => patch({ focus: { id, n: ++focusCount.current } });
	/**
	 * After an outcome said by a live region: focus stays where it was (on the button, which is
	 * only aria-disabled while a request runs), unless that control is gone or turned off (the
	 * guardrail tripped, the session ended); then it goes to the heading `id`, never to the
	 * region, which would have the outcome read twice (decision 140).
	 */
	const keepFocusOr = (id: string) =>
		patch({ focus: { id, n: ++focusCount.current, ifLost: true } });

	/**
	 * Every answer carries the ledger: keep the session's latest, and the response's own receipt.
	 * `token`: the session whose ledger the answer carries (the sign-in's is the new session's).
	 */
	const track = <T>(request: string, r: ApiResult<T>, token = api.token): ApiResult<T> => {
		const meta = r.meta;
		patch((s) => ({
			requests: s.requests + 1,
			...(r.status === 0 ? { answerLost: true } : {}),
			...(meta?.cost ? { receipt: { request, status: r.status, cost: meta.cost } } : {}),
			// A request without the session is priced alone; only the session's ledger
			// and guardrail describe the demo. The meter never goes down (cost-floor.ts).
			...(meta?.cost?.scope === "session"
				? {
						...meterAfter(s, meta.cost, token),
						...(meta.guardrail ? { guardrail: meta.guardrail } : {}),
					}
				: {}),
		}));
		return r;
	};
	/**
	 * The session is over on the page (a 401 on any step, or its 20 minutes ran out): step 1
	 * offers the human check again; what the run showed stays on screen. Said once: by the step's
	 * problem that met the 401 (`saidByAlert`), else by the session line's notice — step 1 shows
	 * that the session ended without an alert of its own (decision 140).
	 */
	const endSession = (err: ApiErr, saidByAlert: boolean) => {
		api.token = null;
		patch({
			session: null,
			sessionEndsAtMs: null,
			ready: false,
			busy: null,
			sessionEndedAt: new Date().toISOString(),
			sessionEndSaid: saidByAlert,
		});
		rearmCheck(err);
	};
	const problem = (step: StepId, err: ApiErr | null) => {
		patch((s) => {
			const problems = { ...s.problems };
			if (err === null) delete problems[step];
			else problems[step] = err;
			return { problems };
		});
		// Step 1 handles its own 401 (setUp); on any later step it ends the session.
		if (err?.code === "unauthorized" && step !== "login" && api.token !== null)
			endSession(err, true);
	};
	/** A step's action refused: its problem (an alert already in the page) says it. */
	const failed = (step: StepId, err: ApiErr) => {
		problem(step, err);
		// A 401 ended the session: the next thing to do is step 1's human check.
		keepFocusOr(FOCUS.step(err.code === "unauthorized" ? "login" : step));
	};

	/**
	 * A Turnstile token is single-use: the check is offered again (the widget reset, the
	 * local box unticked) at once, or once the answer's Retry-After has passed.
	 */
	const rearmCheck = (err: ApiErr) =>
		setTimeout(
			() => patch((st) => ({ checkRound: st.checkRound + 1 })),
			(err.retryAfterSeconds ?? 0) * 1000,
		);

	/**
	 * Reads the sandbox's counters. After a change (`changed`), a failed read leaves the
	 * counters on screen older than that change: step 2 shows "–" and the read's problem.
	 */
	const refresh = async (sku: string, changed: boolean): Promise<ApiResult<Availability>> => {
		const a = track(`GET /api/products/${sku}/availability`, await api.availability(sku));
		if (a.ok) patch({ availability: a.data, countersError: null });
		else if (changed) patch({ countersError: a });
		return a;
	};

	/**
	 * The sandbox's counters for a measurement: read once more after a short Retry-After
	 * (a busy moment right after a stampede), else the read's problem.
	 */
	const measure = async (sku: string, changed: boolean): Promise<ApiResult<Availability>> => {
		const read = () =>
			api.availability(sku).then((r) => track(`GET /api/products/${sku}/availability`, r));
		let r = await read();
		if (
			!r.ok &&
			r.retryAfterSeconds !== null &&
			r.retryAfterSeconds <= COUNTERS_RETRY_MAX_SECONDS
		) {
			await sleep(r.retryAfterSeconds * 1000);
			r = await read();
		}
		if (r.ok) patch({ availability: r.data, countersError: null });
		else if (changed) patch({ countersError: r });
		return r;
	};

	const control = useGuardrailAndReset({
		api,
		state,
		patch,
		track,
		problem,
		failed,
		keepFocusOr,
		refresh,
		eventual,
	});

	const actions = {
		...control,
		/** Reads the config into this run; the answer says whether to try again (App.tsx). */
		async loadConfig() {
			const r = await api.config();
			if (r.ok) patch({ config: r.data });
			return r;
		},
		/** Signs in, then sets the session up (its sandbox and the page's guardrail threshold). */
		async login(turnstileToken: string, thresholdUsd: number) {
			patch({ busy: "login" });
			const created = await api.createSession(turnstileToken);
			const receivedAtMs = Date.now();
			const s = track("POST /api/sessions", created, created.ok ? created.data.token : null);
			if (!s.ok) {
				patch({ busy: null });
				failed("login", s);
				rearmCheck(s);
				return;
			}
			api.token = s.data.token;
			// A new session: the last one's "session ended" problems no longer stand.
			patch((st) => ({
				session: s.data,
				sessionEndsAtMs: sessionEndsAtMs(s.data, receivedAtMs),
				sessionEndedAt: null,
				problems: Object.fromEntries(
					Object.entries(st.problems).filter(([, p]) => p.code !== "unauthorized"),
				),
			}));
			await actions.setUp(thresholdUsd, null);
		},
		/**
		 * Step 1's setup after the session: the sandbox (unless `sandbox` says it exists),
		 * then the guardrail threshold. Tried again from step 1 after a failure with the same
		 * session, from the step that failed (both requests are idempotent per session); a
		 * new sign-in only once the session itself is gone.
		 */
		async setUp(thresholdUsd: number, sandbox: Product | null = state.sandbox) {
			const stopped = (err: ApiErr) => {
				patch({ busy: null });
				if (err.code === "unauthorized") {
					// The session ended (or this server never knew it): only a new one can go on.
					api.token = null;
					patch({ session: null, sessionEndsAtMs: null, sandbox: null, availability: null });
					rearmCheck(err);
				}
				failed("login", err);
			};
			patch({ busy: "login" });
			let sku = sandbox?.sku;
			if (sku === undefined) {
				const box = track("POST /api/demo/sandbox", await api.createSandbox());
				if (!box.ok) return stopped(box);
				sku = box.data.sku;
				const fresh = box.data;
				// A new session's sandbox (after the last one ended): the runs on the old one
				// describe stock that is not this one; the wrap-up keeps them (history).
				patch((st) => ({
					sandbox: fresh,
					availability: fresh.availability,
					countersError: null,
					...(st.sandbox !== null && st.sandbox.sku !== fresh.sku
						? { stampedes: {}, allocation: null, guardrailRun: null, resetAt: null }
						: {}),
				}));
			}
			const g = track("POST /api/demo/guardrail", await api.setDemoGuardrail(thresholdUsd));
			if (!g.ok) return stopped(g);
			patch({ busy: null, ready: true });
			problem("login", null);
			// A first read as this session, as a person would look before buying (the bot signals).
			await refresh(sku, false);
			focusOn(FOCUS.step("safe"));
		},
		/** A new threshold for this run's session; re-arms the guardrail. */
		async setThreshold(thresholdUsd: number): Promise<boolean> {
			if (!state.session) return true;
			const g = track("POST /api/demo/guardrail", await api.setDemoGuardrail(thresholdUsd));
			problem("guardrail", g.ok ? null : g);
			return g.ok;
		},
		async allocateSafe() {
			if (!state.sandbox) return;
			patch({ busy: "safe" });
			const r = track(
				"POST /api/reservations",
				await api.reserve(state.sandbox.sku, { mode: "safe" }),
			);
			patch((s) => ({
				busy: null,
				...(r.ok
					? {
							allocation: {
								reservationId: r.data.reservationId,
								latencyMs: r.meta.latencyMs,
								roundTripMs: r.roundTripMs,
							},
							safeLatenciesMs: [...s.safeLatenciesMs, r.meta.latencyMs],
						}
					: {}),
			}));
			const read = await refresh(state.sandbox.sku, true);
			if (r.ok) {
				problem("safe", null);
				// The hold was taken but the counters could not be read after it: the step's problem
				// says so, and focus stays on Allocate.
				if (read.ok) focusOn(FOCUS.step("stampede"));
			} else failed("safe", r);
		},
		async stampede(mode: Mode) {
			const sandbox = state.sandbox;
			if (!sandbox) return;
			patch({ busy: `stampede-${mode}` });
			const started = performance.now();
			const results = await Promise.all(
				Array.from({ length: STAMPEDE_ATTEMPTS }, () =>
					api.reserve(sandbox.sku, { mode }).then((r) => track("POST /api/reservations", r)),
				),
			);
			const elapsedMs = performance.now() - started;
			const answers = tally(results);
			const latencies =
				mode === "safe" ? results.flatMap((r) => (r.ok ? [r.meta.latencyMs] : [])) : [];
			if (mode === "eventual") eventual.add(sandbox.sku, answers);
			// Eventual mode never touches the counters: a failed read after it leaves them true.
			const read = await measure(sandbox.sku, mode === "safe");
			const run = stampedeRun(mode, answers, read, eventual, sandbox.totalStock, elapsedMs);
			patch((s) => ({
				busy: null,
				safeLatenciesMs: [...s.safeLatenciesMs, ...latencies],
				stampedes: { ...s.stampedes, [mode]: run },
				history: [...s.history, run],
			}));
			if (answers.unauthorized !== null) {
				failed("stampede", answers.unauthorized);
				return;
			}
			problem("stampede", null);
			// A run that measured nothing: step 3's problem says why (stampede-run.ts); focus stays
			// on the Fire button.
			if (run.problem !== null) return;
			// Both modes shown: on to the next step. Otherwise focus stays on the Fire button (never
			// disabled by the run, only aria-disabled): the result is a live region already in the
			// page, which says it once; focus on it as well would have it read twice.
			const other = state.stampedes[mode === "safe" ? "eventual" : "safe"];
			if (other !== undefined) focusOn(FOCUS.step("guardrail"));
		},
		/** The presenter's fallback: trip it by hand (docs/decisions/002-demo-guardrail.md). */
		async tripNow() {
			if (!state.session) return;
			patch({ busy: "trip" });
			const r = track("POST /api/demo/guardrail/trip", await api.tripDemoGuardrail());
			patch({ busy: null });
			if (r.ok) {
				problem("guardrail", null);
				// The tripped alert says it; Trip now is off, so focus goes on to step 5.
				keepFocusOr(FOCUS.step("reset"));
			} else failed("guardrail", r);
		},
		/** The session's 20 minutes ran out, counted on the page's clock from the sign-in (lib/session-clock.ts). */
		expire() {
			const endsAtMs = state.sessionEndsAtMs;
			if (state.session === null || endsAtMs === null || endsAtMs > Date.now()) return;
			endSession(
				{
					ok: false,
					status: 401,
					code: "unauthorized",
					message: "The session's 20 minutes are over.",
					meta: null,
					retryAfterSeconds: null,
					roundTripMs: 0,
				},
				false,
			);
		},
	};
	return { state, actions, api };
}

export type Demo = ReturnType<typeof useDemo>;
