// The guided demo's state and actions (seed 003's six steps). One ApiClient per
// backend: live talks to the Worker, mock to the in-browser simulation; the
// steps below cannot tell which, by design.

import { useMemo, useRef, useState } from "preact/hooks";
import type { Availability, CostLedger, Guardrail, Product, UiConfig } from "../../shared/types.ts";
import { ApiClient, type ApiErr, type ApiResult, type Mode, type Session } from "../api/client.ts";
import { httpTransport } from "../api/transport.ts";
import { MockBackend } from "../mock/backend.ts";

/** Seed 003, step 3: a stampede of 200 concurrent attempts. */
export const STAMPEDE_ATTEMPTS = 200;

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
	/** Units past the stock: safe mode from the sandbox's counters, eventual mode from its granted answers. */
	oversell: number;
	/** Units allocated in this mode so far (since the last reset). */
	allocated: number;
}

export interface DemoState {
	backend: Backend;
	config: UiConfig | null;
	session: Session | null;
	sandbox: Product | null;
	availability: Availability | null;
	cost: CostLedger | null;
	guardrail: Guardrail | null;
	allocation: Allocation | null;
	safeLatenciesMs: number[];
	stampedes: Partial<Record<Mode, Stampede>>;
	resets: number;
	requests: number;
	busy: string | null;
	/** The latest problem, per step: a sentence for the step's live region. */
	problems: Partial<Record<StepId, ApiErr>>;
}

export type StepId = "login" | "safe" | "stampede" | "guardrail" | "reset" | "summary";

function initial(backend: Backend): DemoState {
	return {
		backend,
		config: null,
		session: null,
		sandbox: null,
		availability: null,
		cost: null,
		guardrail: null,
		allocation: null,
		safeLatenciesMs: [],
		stampedes: {},
		resets: 0,
		requests: 0,
		busy: null,
		problems: {},
	};
}

export function useDemo(startWith: Backend) {
	const [state, setState] = useState<DemoState>(() => initial(startWith));
	const api = useMemo(
		() => new ApiClient(state.backend === "mock" ? new MockBackend() : httpTransport()),
		[state.backend],
	);
	api.token = state.session?.token ?? null;
	/** Eventual allocations seen in answers, for when stats cannot be read. */
	const eventualAllocated = useRef(0);
	const patch = (p: Partial<DemoState> | ((s: DemoState) => Partial<DemoState>)) =>
		setState((s) => ({ ...s, ...(typeof p === "function" ? p(s) : p) }));

	/** Every answer carries the ledger (issue 4): keep the session's latest. */
	const track = <T>(r: ApiResult<T>): ApiResult<T> => {
		const meta = r.ok ? r.meta : r.meta;
		patch((s) => ({
			requests: s.requests + 1,
			// A request without the session (none here, but the ledger allows it) is priced
			// alone; only the session's ledger and guardrail describe the demo.
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

	const refresh = async (sku: string): Promise<Availability | null> => {
		const a = track(await api.availability(sku));
		if (a.ok) patch({ availability: a.data });
		return a.ok ? a.data : null;
	};

	const actions = {
		switchBackend(backend: Backend) {
			eventualAllocated.current = 0;
			setState(initial(backend));
		},
		async loadConfig() {
			const r = await api.config();
			if (r.ok) patch({ config: r.data });
		},
		async login(turnstileToken: string) {
			patch({ busy: "login" });
			const s = track(await api.createSession(turnstileToken));
			if (!s.ok) {
				patch({ busy: null });
				problem("login", s);
				return;
			}
			api.token = s.data.token;
			const box = track(await api.createSandbox());
			patch({
				busy: null,
				session: s.data,
				...(box.ok ? { sandbox: box.data, availability: box.data.availability } : {}),
			});
			problem("login", box.ok ? null : box);
			// A first read as this session, as a person would look before buying (issue 7's signals).
			if (box.ok) await refresh(box.data.sku);
		},
		async allocateSafe() {
			if (!state.sandbox) return;
			patch({ busy: "safe" });
			const r = track(await api.reserve(state.sandbox.sku, { mode: "safe" }));
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
			problem("safe", r.ok ? null : r);
			await refresh(state.sandbox.sku);
		},
		async stampede(mode: Mode) {
			const sandbox = state.sandbox;
			if (!sandbox) return;
			patch({ busy: `stampede-${mode}` });
			const started = performance.now();
			const results = await Promise.all(
				Array.from({ length: STAMPEDE_ATTEMPTS }, () =>
					api.reserve(sandbox.sku, { mode }).then(track),
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
			const a = await refresh(sandbox.sku);
			const oversell =
				mode === "safe"
					? Math.max(0, (a?.reserved ?? 0) + (a?.sold ?? 0) - (a?.total ?? sandbox.totalStock))
					: Math.max(0, eventualAllocated.current - sandbox.totalStock);
			patch((s) => ({
				busy: null,
				safeLatenciesMs: [...s.safeLatenciesMs, ...latencies],
				stampedes: {
					...s.stampedes,
					[mode]: {
						mode,
						attempts: STAMPEDE_ATTEMPTS,
						outcomes,
						elapsedMs,
						oversell,
						allocated:
							mode === "eventual" ? eventualAllocated.current : (a?.reserved ?? 0) + (a?.sold ?? 0),
					},
				},
			}));
		},
		async reset() {
			if (!state.sandbox) return;
			patch({ busy: "reset" });
			const r = track(await api.resetSandbox());
			patch((s) => ({
				busy: null,
				...(r.ok
					? { resets: s.resets + 1, sandbox: r.data, availability: r.data.availability }
					: {}),
			}));
			problem("reset", r.ok ? null : r);
			if (r.ok) {
				eventualAllocated.current = 0;
				await refresh(state.sandbox.sku);
			}
		},
	};
	return { state, actions, api };
}
