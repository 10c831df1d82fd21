// The guided demo's state and actions (the six steps of docs/demo.md). One ApiClient per
// backend: live talks to the Worker, mock to the in-browser simulation; the
// steps below cannot tell which, by design. The page keeps one of these per
// backend, so switching Mock/Live never wipes the other run's progress.

import { useMemo, useRef, useState } from "preact/hooks";
import { sleep } from "../../shared/sleep.ts";
import type { Availability, Product } from "../../shared/types.ts";
import { ApiClient, type ApiErr, type ApiResult, type Mode } from "../api/client.ts";
import { httpTransport } from "../api/transport.ts";
import { MockBackend } from "../mock/backend.ts";
import {
	type Backend,
	type DemoState,
	FOCUS,
	GUARDRAIL_RUN_MAX_ATTEMPTS,
	GUARDRAIL_WAVE_ATTEMPTS,
	type GuardrailRun,
	initial,
	STAMPEDE_ATTEMPTS,
	type Stampede,
	type StepId,
} from "./demo-state.ts";

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
	/** Eventual allocations seen in answers, for when stats cannot be read. */
	const eventualAllocated = useRef(0);
	const focusCount = useRef(0);
	const patch = (p: Partial<DemoState> | ((s: DemoState) => Partial<DemoState>)) =>
		setState((s) => ({ ...s, ...(typeof p === "function" ? p(s) : p) }));
	const focusOn = (id: string) => patch({ focus: { id, n: ++focusCount.current } });

	/** Every answer carries the ledger: keep the session's latest, and the response's own receipt. */
	const track = <T>(request: string, r: ApiResult<T>): ApiResult<T> => {
		const meta = r.meta;
		patch((s) => ({
			requests: s.requests + 1,
			...(meta?.cost ? { receipt: { request, status: r.status, cost: meta.cost } } : {}),
			// A request without the session is priced alone; only the session's ledger
			// and guardrail describe the demo.
			...(meta?.cost?.scope === "session"
				? { cost: meta.cost, ...(meta.guardrail ? { guardrail: meta.guardrail } : {}) }
				: {}),
		}));
		return r;
	};
	const problem = (step: StepId, err: ApiErr | null) =>
		patch((s) => {
			const problems = { ...s.problems };
			if (err === null) delete problems[step];
			else problems[step] = err;
			return { problems };
		});
	const failed = (step: StepId, err: ApiErr) => {
		problem(step, err);
		focusOn(FOCUS.problem(step));
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

	const refresh = async (sku: string): Promise<Availability | null> => {
		const a = track(`GET /api/products/${sku}/availability`, await api.availability(sku));
		if (a.ok) patch({ availability: a.data });
		return a.ok ? a.data : null;
	};

	/**
	 * The sandbox's counters for a measurement: read once more after a short Retry-After
	 * (a busy moment right after a stampede), else the read's problem.
	 */
	const measure = async (sku: string): Promise<ApiResult<Availability>> => {
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
		if (r.ok) patch({ availability: r.data });
		return r;
	};

	const actions = {
		/** Reads the config into this run; the answer says whether to try again (App.tsx). */
		async loadConfig() {
			const r = await api.config();
			if (r.ok) patch({ config: r.data });
			return r;
		},
		/** Signs in, then sets the session up (its sandbox and the page's guardrail threshold). */
		async login(turnstileToken: string, thresholdUsd: number) {
			patch({ busy: "login" });
			const s = track("POST /api/sessions", await api.createSession(turnstileToken));
			if (!s.ok) {
				patch({ busy: null });
				failed("login", s);
				rearmCheck(s);
				return;
			}
			api.token = s.data.token;
			patch({ session: s.data });
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
					patch({ session: null, sandbox: null, availability: null });
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
				patch({ sandbox: box.data, availability: box.data.availability });
			}
			const g = track("POST /api/demo/guardrail", await api.setDemoGuardrail(thresholdUsd));
			if (!g.ok) return stopped(g);
			patch({ busy: null, ready: true });
			problem("login", null);
			// A first read as this session, as a person would look before buying (the bot signals).
			await refresh(sku);
			focusOn(FOCUS.step("safe"));
		},
		/** A new threshold for this run's session; re-arms the guardrail. */
		async setThreshold(thresholdUsd: number): Promise<boolean> {
			if (!state.session) return true;
			const g = track("POST /api/demo/guardrail", await api.setDemoGuardrail(thresholdUsd));
			if (!g.ok) problem("guardrail", g);
			else problem("guardrail", null);
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
			await refresh(state.sandbox.sku);
			if (r.ok) {
				problem("safe", null);
				focusOn(FOCUS.step("stampede"));
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
			const outcomes: Record<string, number> = {};
			const latencies: number[] = [];
			for (const r of results) {
				const key = r.ok ? "allocated" : r.code;
				outcomes[key] = (outcomes[key] ?? 0) + 1;
				if (r.ok && mode === "safe") latencies.push(r.meta.latencyMs);
			}
			if (mode === "eventual") eventualAllocated.current += outcomes.allocated ?? 0;
			// Measured, not assumed: safe mode from the sandbox's own counters, eventual
			// mode from the allocations its answers granted (the session cannot read stats).
			// Counters that could not be read measure nothing: "–" and the read's problem, never 0.
			const read = await measure(sandbox.sku);
			const a = read.ok ? read.data : null;
			const safeAllocated = a === null ? null : a.reserved + a.sold;
			const oversell =
				mode === "safe"
					? a === null
						? null
						: Math.max(0, a.reserved + a.sold - a.total)
					: Math.max(0, eventualAllocated.current - sandbox.totalStock);
			const run: Stampede = {
				mode,
				attempts: STAMPEDE_ATTEMPTS,
				outcomes,
				elapsedMs,
				oversell,
				allocated: mode === "eventual" ? eventualAllocated.current : safeAllocated,
			};
			patch((s) => ({
				busy: null,
				safeLatenciesMs: [...s.safeLatenciesMs, ...latencies],
				stampedes: { ...s.stampedes, [mode]: run },
				history: [...s.history, run],
			}));
			if (mode === "safe" && !read.ok) {
				failed("stampede", read);
				return;
			}
			// Safe mode's counters were read: its earlier "not measured" no longer stands.
			if (mode === "safe") problem("stampede", null);
			// Both modes shown: on to the next step; otherwise to this run's result.
			const other = state.stampedes[mode === "safe" ? "eventual" : "safe"];
			focusOn(other !== undefined ? FOCUS.step("guardrail") : FOCUS.stampede(mode));
		},
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
					const key = r.ok ? "allocated" : r.code;
					run.outcomes[key] = (run.outcomes[key] ?? 0) + 1;
					if (r.meta?.guardrail?.tripped) {
						run.tripped = true;
						run.answeredAfterTrip += 1;
					}
				}
				// A wave with no answer at all (the server gone) ends the run; its problem shows.
				const firstError = results.find((r) => !r.ok && r.status === 0);
				if (firstError && !firstError.ok) {
					patch({ busy: null, guardrailRun: { ...run } });
					failed("guardrail", firstError);
					return;
				}
				patch({ guardrailRun: { ...run, outcomes: { ...run.outcomes } } });
			}
			run.capped = !run.tripped;
			patch({ busy: null, guardrailRun: run });
			problem("guardrail", null);
			await refresh(sandbox.sku);
			focusOn(FOCUS.guardrail);
		},
		/** The presenter's fallback: trip it by hand (docs/decisions/002-demo-guardrail.md). */
		async tripNow() {
			if (!state.session) return;
			patch({ busy: "trip" });
			const r = track("POST /api/demo/guardrail/trip", await api.tripDemoGuardrail());
			patch({ busy: null });
			if (r.ok) {
				problem("guardrail", null);
				focusOn(FOCUS.guardrail);
			} else failed("guardrail", r);
		},
		async reset() {
			if (!state.sandbox) return;
			patch({ busy: "reset" });
			const r = track("POST /api/demo/sandbox/reset", await api.resetSandbox());
			patch((s) => ({
				busy: null,
				...(r.ok
					? {
							resets: s.resets + 1,
							resetAt: new Date().toISOString(),
							sandbox: r.data,
							availability: r.data.availability,
							// The numbers of the runs before the reset describe stock that is gone.
							stampedes: {},
							allocation: null,
							guardrailRun: null,
						}
					: {}),
			}));
			if (r.ok) {
				problem("reset", null);
				eventualAllocated.current = 0;
				await refresh(state.sandbox.sku);
				focusOn(FOCUS.reset);
			} else failed("reset", r);
		},
	};
	return { state, actions, api };
}

export type Demo = ReturnType<typeof useDemo>;
