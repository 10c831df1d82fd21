// Seed 003's six steps. Each says what the audience sees, what to say, and
// offers the one action that shows it.

import type { ComponentChildren } from "preact";
import type { Mode } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import { Metric } from "../components/Metric.tsx";
import { StockBar } from "../components/StockBar.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { ms, usd } from "../lib/format.ts";
import { percentiles } from "../lib/percentiles.ts";
import { type DemoState, STAMPEDE_ATTEMPTS, type Stampede, type StepId } from "./useDemo.ts";

/** seed 003: "allocations return in <100ms on safe path". */
const FAST_MS = 100;

export function Step({
	n,
	id,
	title,
	say,
	done,
	problem,
	children,
}: {
	n: number;
	id: StepId;
	title: string;
	say: string;
	done: boolean;
	problem?: string | undefined;
	children: ComponentChildren;
}) {
	return (
		<section class="card step" data-done={done} aria-labelledby={`step-${id}`}>
			<h2 id={`step-${id}`}>
				Step {n} · {title}
			</h2>
			<p class="step-say">“{say}”</p>
			{children}
			<p role="alert" class={problem ? "notice notice-error" : "notice-empty"}>
				{problem ?? ""}
			</p>
		</section>
	);
}

const problemText = (s: DemoState, id: StepId) => {
	const p = s.problems[id];
	if (p === undefined) return undefined;
	if (id === "reset" && p.code === "rate_limited") {
		const wait = p.retryAfterSeconds;
		return `Reset refused: resets are limited to one a minute.${wait !== null ? ` Try again in ${wait} s.` : ""}`;
	}
	return describeError(p);
};

export function LoginStep({ s, onToken }: { s: DemoState; onToken(t: string): void }) {
	return (
		<Step
			n={1}
			id="login"
			title="Login + guardrails on"
			say="Zero Trust entry: no session, no spend. Real billing is locked to zero by design."
			done={s.session !== null}
			problem={problemText(s, "login")}
		>
			{s.session === null ? (
				s.config || s.backend === "mock" ? (
					<Turnstile
						siteKey={s.config?.turnstileSiteKey ?? ""}
						local={s.config?.localTurnstile ?? true}
						simulated={s.backend === "mock"}
						onToken={onToken}
					/>
				) : (
					<p class="muted">Loading…</p>
				)
			) : (
				<p>
					Signed in. Sandbox <strong>{s.sandbox?.sku ?? "not created"}</strong>
					{s.sandbox ? ` with ${s.sandbox.totalStock} units, private to this session.` : "."}
				</p>
			)}
		</Step>
	);
}

export function SafeStep({ s, onAllocate }: { s: DemoState; onAllocate(): void }) {
	const a = s.allocation;
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
				<button
					type="button"
					class="primary"
					disabled={!s.sandbox || s.busy !== null}
					onClick={onAllocate}
				>
					{s.busy === "safe" ? "Allocating…" : "Allocate 1 unit (safe)"}
				</button>
				{a && (
					<span
						class={`badge ${a.latencyMs < FAST_MS ? "badge-ok" : "badge-warn"}`}
						role="status"
						aria-label="Latency"
					>
						{ms(a.latencyMs)} at the edge · {ms(a.roundTripMs)} round trip
					</span>
				)}
			</div>
			{s.availability && <StockBar availability={s.availability} />}
		</Step>
	);
}

function Tally({ run, stock }: { run: Stampede; stock: number }) {
	const limited = run.outcomes.rate_limited ?? 0;
	return (
		<>
			<ul class="tally" aria-label={`${run.mode} mode outcomes`}>
				{Object.entries(run.outcomes)
					.sort(([a], [b]) => (a === "allocated" ? -1 : b === "allocated" ? 1 : a.localeCompare(b)))
					.map(([k, n]) => (
						<li key={k}>
							{k}: <strong>{n}</strong>
						</li>
					))}
				<li>in {ms(run.elapsedMs)}</li>
			</ul>
			<p class="small">
				{run.allocated} of {stock} units allocated so far.
			</p>
			{limited > 0 && (
				<p class="muted small">
					{limited} attempts met the rate limits (per session and per IP): they protect a real drop
					from one client. Start the server with RATE_LIMITS=off to send the whole stampede through.
				</p>
			)}
		</>
	);
}

export function StampedeStep({ s, onFire }: { s: DemoState; onFire(m: Mode): void }) {
	const safe = s.stampedes.safe;
	const eventual = s.stampedes.eventual;
	return (
		<Step
			n={3}
			id="stampede"
			title="Race condition: safe vs eventual"
			say="This is the failure mode we eliminate in safe mode: an intentional oversell to prove the point."
			done={safe !== undefined && eventual !== undefined}
		>
			<p class="muted small">
				Each button fires {STAMPEDE_ATTEMPTS} reserve attempts at once at this session's sandbox.
				Eventual mode is a D1 read, a 100 ms pause, then a write: the lost-update pattern.
			</p>
			<div class="row">
				<button
					type="button"
					class="primary"
					disabled={!s.sandbox || s.busy !== null}
					onClick={() => onFire("safe")}
				>
					{s.busy === "stampede-safe"
						? "Firing…"
						: `Fire ${STAMPEDE_ATTEMPTS} attempts (safe mode)`}
				</button>
				<button
					type="button"
					class="danger"
					disabled={!s.sandbox || s.busy !== null}
					onClick={() => onFire("eventual")}
				>
					{s.busy === "stampede-eventual"
						? "Firing…"
						: `Fire ${STAMPEDE_ATTEMPTS} attempts (eventual mode)`}
				</button>
			</div>
			<div class="grid-2">
				<div role="status" aria-label="Safe mode result">
					<h3>Safe mode</h3>
					{safe ? (
						<>
							<Tally run={safe} stock={s.sandbox?.totalStock ?? 0} />
							<Metric label="Oversold (safe)" alert={safe.oversell > 0}>
								{safe.oversell}
							</Metric>
						</>
					) : (
						<p class="muted">Not run yet.</p>
					)}
				</div>
				<div role="status" aria-label="Eventual mode result">
					<h3>Eventual mode</h3>
					{eventual ? (
						<>
							<Tally run={eventual} stock={s.sandbox?.totalStock ?? 0} />
							<Metric label="oversellDelta" alert={eventual.oversell > 0}>
								{eventual.oversell}
							</Metric>
						</>
					) : (
						<p class="muted">Not run yet.</p>
					)}
				</div>
			</div>
		</Step>
	);
}

export function GuardrailStep({ s }: { s: DemoState }) {
	const g = s.guardrail;
	const spent = s.cost?.virtualUsd ?? 0;
	return (
		<Step
			n={4}
			id="guardrail"
			title="Virtual guardrail trip"
			say="We model financial risk without real spend: perfect for training and pilots."
			done={g?.tripped === true}
		>
			{g?.tripped ? (
				<p class="banner banner-bad" role="alert">
					Guardrail tripped: virtual spend {usd(spent, 6)} passed the {usd(g.thresholdUsd, 4)}{" "}
					threshold. Allocations continue; real spend stays {usd(s.cost?.realUsd ?? 0)}.
				</p>
			) : (
				<p class="banner" role="status" aria-label="Guardrail">
					Guardrail armed: {usd(spent, 6)} of {usd(g?.thresholdUsd ?? 0, 4)} virtual spend
					{g
						? ` (${Math.min(100, (100 * spent) / Math.max(g.thresholdUsd, Number.EPSILON)).toFixed(1)} %)`
						: ""}
					. The threshold is the server's GUARDRAIL_VIRTUAL_USD.
				</p>
			)}
		</Step>
	);
}

export function ResetStep({ s, onReset }: { s: DemoState; onReset(): void }) {
	return (
		<Step
			n={5}
			id="reset"
			title="Reset & recovery"
			say="Operational control is rate-limited: one reset per minute per IP."
			done={s.resets > 0}
			problem={problemText(s, "reset")}
		>
			<div class="row">
				<button type="button" disabled={!s.sandbox || s.busy !== null} onClick={onReset}>
					{s.busy === "reset" ? "Resetting…" : "Reset the sandbox"}
				</button>
				<span role="status" aria-label="Reset result">
					{s.resets > 0
						? `Reset ${s.resets === 1 ? "once" : `${s.resets} times`}: stock is full again. Press again to see the limit.`
						: ""}
				</span>
			</div>
		</Step>
	);
}

export function SummaryStep({ s }: { s: DemoState }) {
	const p = percentiles(s.safeLatenciesMs);
	const safe = s.stampedes.safe;
	const eventual = s.stampedes.eventual;
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
				<Metric label="Safe path oversold" alert={(safe?.oversell ?? 0) > 0}>
					{safe ? safe.oversell : "–"}
				</Metric>
				<Metric label="Eventual oversellDelta">{eventual ? eventual.oversell : "–"}</Metric>
				<Metric label="Safe p50 / p95">{p ? `${ms(p.p50)} / ${ms(p.p95)}` : "–"}</Metric>
				<Metric label="Guardrail">{s.guardrail?.tripped ? "tripped" : "not tripped"}</Metric>
				<Metric label="Requests">{s.requests}</Metric>
			</div>
			<p class="muted small">
				Backend: {s.backend === "mock" ? "in-browser simulation (mock)" : "the live Worker"}. Safe
				allocations never pass the stock; eventual mode oversells by the amount shown.
			</p>
		</Step>
	);
}
