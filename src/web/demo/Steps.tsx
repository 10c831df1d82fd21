// The six steps of docs/demo.md. Each says what the audience sees, what to say, and
// offers the one action that shows it.

import type { Mode } from "../api/client.ts";
import { Metric } from "../components/Metric.tsx";
import { StockBar } from "../components/StockBar.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { ms, time, usd } from "../lib/format.ts";
import { percentiles } from "../lib/percentiles.ts";
import {
	canAct,
	type DemoState,
	GUARDRAIL_RUN_MAX_ATTEMPTS,
	GUARDRAIL_WAVE_ATTEMPTS,
	STAMPEDE_ATTEMPTS,
} from "./demo-state.ts";
import { Action, problemText, Step, Tally } from "./StepParts.tsx";

/** docs/demo.md, step 2: a safe allocation answers in under 100 ms. */
const FAST_MS = 100;

export function LoginStep({
	s,
	configRetrying = false,
	onToken,
	onSetUp,
}: {
	s: DemoState;
	/** The config read failed and is being tried again by itself (App.tsx). */
	configRetrying?: boolean;
	onToken(t: string): void;
	/** Tries the setup after the sign-in again, with the same session (useDemo.ts). */
	onSetUp(): void;
}) {
	// Said by the step's problem, an alert already in the page, empty, before its sentence (a
	// region mounted with its text may not be announced: decision 140).
	const noSettings = s.session === null && !s.config && s.backend !== "mock" && configRetrying;
	return (
		<Step
			n={1}
			id="login"
			title="Login + guardrails on"
			say="Zero Trust entry: no session, no spend. Real billing is locked to zero by design."
			done={s.ready}
			problem={
				problemText(s, "login") ??
				(noSettings
					? "Could not load the human check's settings from the server. Trying again by itself…"
					: undefined)
			}
		>
			{s.session === null && s.sessionEndedAt !== null && (
				<p>
					Your session ended at {time(s.sessionEndedAt)}. Verify again for a new session and a new
					sandbox; what this run showed stays below.
				</p>
			)}
			{s.session === null ? (
				s.config || s.backend === "mock" ? (
					<Turnstile
						siteKey={s.config?.turnstileSiteKey ?? ""}
						local={s.config?.localTurnstile ?? true}
						simulated={s.backend === "mock"}
						round={s.checkRound}
						onToken={onToken}
					/>
				) : (
					!noSettings && <p class="muted">Loading…</p>
				)
			) : (
				<>
					<p>
						Signed in. Sandbox{" "}
						<strong>
							{s.sandbox?.sku ?? (s.busy === "login" ? "being created" : "not created")}
						</strong>
						{s.sandbox ? ` with ${s.sandbox.totalStock} units, private to this session.` : "."}
					</p>
					{!s.ready && (
						// The session stands; what failed after it is tried again with it, no new sign-in.
						<Action
							s={s}
							busyAs="login"
							busyLabel="Setting up…"
							unavailable={false}
							onPress={onSetUp}
						>
							Finish the setup
						</Action>
					)}
				</>
			)}
		</Step>
	);
}

export function SafeStep({ s, onAllocate }: { s: DemoState; onAllocate(): void }) {
	const a = s.allocation;
	const mock = s.backend === "mock";
	return (
		<Step
			n={2}
			id="safe"
			title="Baseline allocation (safe path)"
			say="Durable Objects give per-SKU atomicity: no race, no double-sell."
			done={a !== null}
			problem={problemText(s, "safe")}
		>
			<div class="row">
				<Action
					s={s}
					class="primary"
					busyAs="safe"
					busyLabel="Allocating…"
					unavailable={!canAct(s)}
					onPress={onAllocate}
				>
					Allocate 1 unit (safe)
				</Action>
				{/* Mounted empty (in the accessibility tree, not shown) before the first allocation, so
				    its first figure is announced: a region mounted with its text may not be. */}
				<span
					class={
						a === null
							? "visually-hidden"
							: `badge ${(mock ? a.roundTripMs : a.latencyMs) < FAST_MS ? "badge-ok" : "badge-warn"}`
					}
					role="status"
					aria-label="Latency"
				>
					{/* The mock has no edge: its server time is a random draw (src/web/mock/backend.ts),
					    said as simulated; only the round trip in this page is measured. */}
					{a === null
						? ""
						: mock
							? `${ms(a.latencyMs)} simulated server time · ${ms(a.roundTripMs)} in this page`
							: `${ms(a.latencyMs)} at the edge · ${ms(a.roundTripMs)} round trip`}
				</span>
			</div>
			{s.availability &&
				(s.countersError === null ? (
					<StockBar availability={s.availability} />
				) : (
					// Read before the last change and not since: not shown as if current.
					<div class="metrics">
						<Metric label="Available">–</Metric>
						<Metric label="Held">–</Metric>
						<Metric label="Sold">–</Metric>
						<Metric label="Total">{s.availability.total}</Metric>
					</div>
				))}
		</Step>
	);
}

/** The two stampede modes side by side: what each button says and how its oversell is labelled. */
const STAMPEDE_MODES = [
	{ mode: "safe", class: "primary", title: "Safe mode", oversellLabel: "Oversold (safe)" },
	{ mode: "eventual", class: "danger", title: "Eventual mode", oversellLabel: "oversellDelta" },
] as const;

export function StampedeStep({ s, onFire }: { s: DemoState; onFire(m: Mode): void }) {
	const safe = s.stampedes.safe;
	const eventual = s.stampedes.eventual;
	// After a reset the old runs describe stock that is gone: say so instead of showing them.
	const notRun = s.resetAt ? `Not run since the reset at ${time(s.resetAt)}.` : "Not run yet.";
	return (
		<Step
			n={3}
			id="stampede"
			title="Race condition: safe vs eventual"
			say="This is the failure mode we eliminate in safe mode: an intentional oversell to prove the point."
			done={safe !== undefined && eventual !== undefined}
			problem={problemText(s, "stampede")}
		>
			<p class="muted small">
				Each button fires {STAMPEDE_ATTEMPTS} reserve attempts at once at this session's sandbox.
				Eventual mode is a D1 read, a 100 ms pause, then a write: the lost-update pattern.
			</p>
			<div class="row">
				{STAMPEDE_MODES.map((m) => (
					<Action
						key={m.mode}
						s={s}
						class={m.class}
						busyAs={`stampede-${m.mode}`}
						busyLabel="Firing…"
						unavailable={!canAct(s)}
						onPress={() => onFire(m.mode)}
					>
						Fire {STAMPEDE_ATTEMPTS} attempts ({m.mode} mode)
					</Action>
				))}
			</div>
			<div class="grid-2">
				{STAMPEDE_MODES.map((m) => {
					const run = s.stampedes[m.mode];
					return (
						// A live region, never a focus target: focus on it too would have it read twice.
						<div key={m.mode} role="status" aria-label={`${m.title} result`}>
							<h3>{m.title}</h3>
							{run ? (
								<>
									<Tally run={run} stock={s.sandbox?.totalStock ?? 0} />
									<Metric label={m.oversellLabel} alert={(run.oversell ?? 0) > 0}>
										{run.oversell ?? "–"}
									</Metric>
								</>
							) : (
								<p class="muted">{notRun}</p>
							)}
						</div>
					);
				})}
			</div>
		</Step>
	);
}

/**
 * Step 4's words. The live regions say events, each once: the armed status changes only with the
 * threshold or its source, the tripped alert is set once (no running figure in it), and the run's
 * status only when the run ends; the spend, which moves with every response, and a run's progress
 * are plain lines beside them (docs/demo.md, "What the page announces").
 */
export function guardrailWords(
	s: DemoState,
	plannedThresholdUsd: number,
): { armed: string; tripped: string; spend: string } {
	const g = s.guardrail;
	const spent = s.cost?.virtualUsd ?? 0;
	// Before the session's own threshold is read (no sign-in yet, or its setup under way), the
	// page's planned one: the server's default is not what will apply.
	const own = g !== null && (g.source === "demo" || s.ready);
	const thresholdUsd = own ? g.thresholdUsd : plannedThresholdUsd;
	const armed = !own
		? `The guardrail will be armed at ${usd(plannedThresholdUsd, 4)}, this demo's threshold (set above), once step 1 is done.`
		: g.source === "demo"
			? `Guardrail armed at ${usd(g.thresholdUsd, 4)}: this demo's own threshold (set above).`
			: `Guardrail armed at ${usd(g.thresholdUsd, 4)}: the server's own threshold.`;
	const tripped = !g?.tripped
		? ""
		: `${
				g.manual
					? `Guardrail tripped by the presenter (threshold ${usd(g.thresholdUsd, 4)}).`
					: `Guardrail tripped: virtual spend passed the ${usd(g.thresholdUsd, 4)} threshold.`
			} Nothing is refused for it: every attempt is still answered; real spend stays ${usd(s.cost?.realUsd ?? 0)}.`;
	const share = Math.min(100, (100 * spent) / Math.max(thresholdUsd, Number.EPSILON));
	const spend = `Virtual spend: ${usd(spent, 6)} of ${usd(thresholdUsd, 4)} (${share.toFixed(1)} %).`;
	return { armed, tripped, spend };
}

export function GuardrailStep({
	s,
	plannedThresholdUsd,
	onRun,
	onTrip,
}: {
	s: DemoState;
	/** The page's threshold, said before the session's own is read (as the meter does). */
	plannedThresholdUsd: number;
	onRun(): void;
	onTrip(): void;
}) {
	const g = s.guardrail;
	const run = s.guardrailRun;
	const words = guardrailWords(s, plannedThresholdUsd);
	const running = s.busy === "guardrail";
	return (
		<Step
			n={4}
			id="guardrail"
			title="Virtual guardrail trip"
			say="We model financial risk without real spend: perfect for training and pilots."
			done={g?.tripped === true}
			problem={problemText(s, "guardrail")}
		>
			<p class="muted small">
				The button keeps selling on the sandbox in waves of {GUARDRAIL_WAVE_ATTEMPTS} attempts until
				a response reports the guardrail tripped (at most {GUARDRAIL_RUN_MAX_ATTEMPTS}). The
				guardrail warns; it refuses nothing.
			</p>
			<div class="row">
				<Action
					s={s}
					class="primary"
					busyAs="guardrail"
					busyLabel="Selling…"
					unavailable={!canAct(s) || g?.tripped === true}
					onPress={onRun}
				>
					Keep selling until the guardrail trips
				</Action>
				<Action
					s={s}
					busyAs="trip"
					busyLabel="Tripping…"
					unavailable={!s.session || g?.tripped === true}
					onPress={onTrip}
				>
					Trip now (presenter)
				</Action>
			</div>
			<div>
				{/* Both regions stay mounted; only their text changes (components/Layout.tsx, Notice). */}
				<p class={words.tripped ? "banner banner-bad" : "notice-empty"} role="alert">
					{words.tripped}
				</p>
				<p class={words.tripped ? "notice-empty" : "banner"} role="status" aria-label="Guardrail">
					{words.tripped ? "" : words.armed}
				</p>
				<p class="small">{words.spend}</p>
				{run && running && (
					<p class="small">
						Selling: {run.sent} attempts sent ({outcomesText(run.outcomes)}).
					</p>
				)}
				<p
					class={run && !running ? "small" : "notice-empty"}
					role="status"
					aria-label="Guardrail run"
				>
					{run && !running ? runText(run) : ""}
				</p>
			</div>
		</Step>
	);
}

const outcomesText = (outcomes: Record<string, number>) =>
	Object.entries(outcomes)
		.map(([k, n]) => `${k}: ${n}`)
		.join(", ");

/** How a finished run ended, said once. */
function runText(run: NonNullable<DemoState["guardrailRun"]>): string {
	const end = run.tripped
		? `${run.answeredAfterTrip} responses reported the guardrail tripped, and every one was answered: nothing was refused for it.`
		: run.refused
			? "Stopped before the guardrail tripped: the server refused the attempts, which says nothing about the threshold (the problem is below)."
			: run.capped
				? `Not tripped after ${run.sent} attempts: lower the threshold, or use "Trip now".`
				: "";
	return `${run.sent} attempts sent (${outcomesText(run.outcomes)}). ${end}`.trim();
}

export function SummaryStep({ s }: { s: DemoState }) {
	const p = percentiles(s.safeLatenciesMs);
	// Every measured run of the session, resets included: the wrap-up is the whole story.
	const largest = (mode: Mode) =>
		s.history
			.filter((r) => r.mode === mode)
			.reduce<number | undefined>(
				(max, r) => (r.oversell === null ? max : Math.max(max ?? 0, r.oversell)),
				undefined,
			);
	const safe = largest("safe");
	const eventual = largest("eventual");
	const eventualRan = s.history.some((r) => r.mode === "eventual");
	return (
		<Step
			n={6}
			id="summary"
			title="Wrap-up"
			say="We answered cost, concurrency and safety in one flow: atomic when you need it, observable always."
			done={safe !== undefined && eventual !== undefined}
		>
			<div class="metrics">
				<Metric label="Real spend">{usd(s.cost?.realUsd ?? 0)}</Metric>
				<Metric label="Safe path oversold" alert={(safe ?? 0) > 0}>
					{safe ?? "–"}
				</Metric>
				<Metric label="Eventual oversellDelta">{eventual ?? "–"}</Metric>
				<Metric label={`Safe p50 / p95${s.backend === "mock" ? " (simulated)" : ""}`}>
					{p ? `${ms(p.p50)} / ${ms(p.p95)}` : "–"}
				</Metric>
				<Metric label="Guardrail">{s.guardrail?.tripped ? "tripped" : "not tripped"}</Metric>
				<Metric label="Requests">{s.requests}</Metric>
			</div>
			<p class="muted small">
				Backend: {s.backend === "mock" ? "in-browser simulation (mock)" : "the live Worker"}. Safe
				allocations never pass the stock;{" "}
				{eventual !== undefined
					? "eventual mode oversells by the amount shown (the largest of this session's measured runs, resets included)."
					: eventualRan
						? "eventual mode's oversell was not measured: its runs lost answers (step 3 said why)."
						: "eventual mode has not run yet."}
			</p>
		</Step>
	);
}
