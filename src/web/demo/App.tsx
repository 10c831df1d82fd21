// The guided demo (/demo): the six steps of docs/demo.md against the live Worker or the
// in-browser simulation, chosen with the mock/live toggle (?backend=mock|live).
// Each backend keeps its own run: switching (one arrow key on the focused
// radio is enough) shows the other run and never wipes either.

import { useEffect, useRef, useState } from "preact/hooks";
import {
	DEMO_GUARDRAIL_DEFAULT_USD,
	DEMO_GUARDRAIL_MAX_USD,
	DEMO_GUARDRAIL_MIN_USD,
	isDemoThreshold,
} from "../../shared/demo-guardrail.ts";
import { readUntilOk } from "../api/read-until-ok.ts";
import { Layout } from "../components/Layout.tsx";
import { usd } from "../lib/format.ts";
import { focusLost, moveFocus } from "../lib/move-focus.ts";
import type { Backend, DemoState } from "./demo-state.ts";
import { ResetStep } from "./ResetStep.tsx";
import { CostMeter, SessionBanner } from "./StatusBar.tsx";
import { GuardrailStep, LoginStep, SafeStep, StampedeStep, SummaryStep } from "./Steps.tsx";
import { type Demo as DemoRun, useDemo } from "./useDemo.ts";

function initialBackend(): Backend {
	return new URLSearchParams(location.search).get("backend") === "mock" ? "mock" : "live";
}

const LABEL: Record<Backend, string> = { mock: "Mock (in browser)", live: "Live (server)" };

/** Anything worth keeping: a session, or a step's result. */
function hasProgress(s: DemoState): boolean {
	return s.session !== null || s.requests > 0;
}

export function Demo() {
	const [backend, setBackend] = useState<Backend>(initialBackend);
	const runs: Record<Backend, DemoRun> = { live: useDemo("live"), mock: useDemo("mock") };
	const { state: s, actions } = runs[backend];
	const [thresholdUsd, setThresholdUsd] = useState(DEMO_GUARDRAIL_DEFAULT_USD);
	const [switched, setSwitched] = useState<string>("");

	// The human check of step 1 needs the config: a failed read is tried again by itself
	// (src/web/api/read-until-ok.ts: the live feed's backoff, never sooner than the answer's
	// Retry-After) until it succeeds, and step 1 says so meanwhile (no reload needed). Per
	// backend: switching stops the shown run's reads and starts the other's if it has none.
	const [configRetrying, setConfigRetrying] = useState<Record<Backend, boolean>>({
		live: false,
		mock: false,
	});
	const noConfig = s.config === null;
	useEffect(() => {
		if (!noConfig) return;
		const retrying = (value: boolean) => setConfigRetrying((r) => ({ ...r, [backend]: value }));
		return readUntilOk(() => actions.loadConfig(), {
			ok: () => retrying(false),
			failed: () => {
				retrying(true);
				return true;
			},
		});
	}, [backend, noConfig]);

	// After every action, keyboard focus goes where the action's outcome is (never to <body>),
	// or stays on its control when a live region says the outcome (decision 140).
	const lastFocus = useRef(0);
	useEffect(() => {
		if (s.focus === null || s.focus.n === lastFocus.current) return;
		lastFocus.current = s.focus.n;
		if (s.focus.ifLost && !focusLost()) return;
		moveFocus(s.focus.id);
	}, [s.focus]);

	const choose = (next: Backend) => {
		const url = new URL(location.href);
		url.searchParams.set("backend", next);
		history.replaceState(null, "", url);
		setBackend(next);
		const left = runs[backend].state;
		const other = runs[next].state;
		setSwitched(
			`Showing the ${LABEL[next]} run${hasProgress(other) ? ", where you left it" : ""}.` +
				(hasProgress(left)
					? ` The ${LABEL[backend]} run keeps its progress: switch back to continue it.`
					: ""),
		);
	};

	return (
		<Layout current="/demo">
			<section class="card" aria-labelledby="demo-title">
				<h1 id="demo-title">Guided demo</h1>
				<p class="muted">Six steps: cost, concurrency and safety, shown rather than claimed.</p>
				<fieldset class="toggle-group">
					<legend>Backend</legend>
					<div class="toggle">
						{(["mock", "live"] as const).map((b) => (
							<label key={b}>
								<input
									type="radio"
									name="backend"
									value={b}
									checked={backend === b}
									onChange={() => choose(b)}
								/>
								{LABEL[b]}
							</label>
						))}
					</div>
				</fieldset>
				<p role="status" aria-label="Backend switch" class={switched ? "small" : "notice-empty"}>
					{switched}
				</p>
				<ThresholdForm
					thresholdUsd={thresholdUsd}
					onSet={async (usdValue) => {
						setThresholdUsd(usdValue);
						// The same threshold in mock and live: every run with a session gets it.
						const results = await Promise.all(
							(["live", "mock"] as const).map((b) => runs[b].actions.setThreshold(usdValue)),
						);
						return results.every(Boolean);
					}}
				/>
			</section>
			{((s.session && s.sessionEndsAtMs !== null) || s.sessionEndedAt) && (
				<SessionBanner
					endsAtMs={s.session ? s.sessionEndsAtMs : null}
					endedAt={s.session ? null : s.sessionEndedAt}
					endSaid={s.sessionEndSaid}
					backend={backend}
					onExpired={() => actions.expire()}
				/>
			)}
			<CostMeter
				cost={s.cost}
				costBehind={s.costBehind}
				guardrail={s.guardrail}
				plannedThresholdUsd={thresholdUsd}
				receipt={s.receipt}
			/>
			<LoginStep
				s={s}
				configRetrying={configRetrying[backend]}
				onToken={(t) => void actions.login(t, thresholdUsd)}
				onSetUp={() => void actions.setUp(thresholdUsd)}
			/>
			<SafeStep s={s} onAllocate={() => void actions.allocateSafe()} />
			<StampedeStep s={s} onFire={(m) => void actions.stampede(m)} />
			<GuardrailStep
				s={s}
				plannedThresholdUsd={thresholdUsd}
				onRun={() => void actions.runToGuardrail()}
				onTrip={() => void actions.tripNow()}
			/>
			<ResetStep s={s} onReset={() => void actions.reset()} />
			<SummaryStep s={s} />
		</Layout>
	);
}

/** The demo's own guardrail threshold, bounded, visible and editable before the run starts. */
function ThresholdForm({
	thresholdUsd,
	onSet,
}: {
	thresholdUsd: number;
	onSet(usd: number): Promise<boolean>;
}) {
	const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
	// Said by the regions below, already in the page; focus stays on Set threshold (or the field),
	// never on the region, which would have it read twice (decision 140).
	const say = (ok: boolean, text: string) => setOutcome({ ok, text });
	return (
		<form
			class="threshold"
			noValidate
			onSubmit={(e) => {
				e.preventDefault();
				const raw = String(new FormData(e.currentTarget).get("threshold") ?? "").trim();
				const value = Number(raw);
				if (raw === "" || !isDemoThreshold(value)) {
					say(
						false,
						`Enter a threshold from ${usd(DEMO_GUARDRAIL_MIN_USD, 4)} to ${usd(DEMO_GUARDRAIL_MAX_USD, 2)}.`,
					);
					return;
				}
				void onSet(value).then((ok) =>
					say(
						ok,
						ok
							? `The guardrail trips above ${usd(value, 4)} of virtual spend, in mock and live.`
							: "The server did not take the new threshold; see step 4.",
					),
				);
			}}
		>
			<label>
				Guardrail threshold for this demo (virtual USD){" "}
				<input
					type="number"
					name="threshold"
					inputMode="decimal"
					min={DEMO_GUARDRAIL_MIN_USD}
					max={DEMO_GUARDRAIL_MAX_USD}
					step={DEMO_GUARDRAIL_MIN_USD}
					defaultValue={String(thresholdUsd)}
					aria-describedby="threshold-help"
				/>
			</label>
			<button type="submit">Set threshold</button>
			<p id="threshold-help" class="muted small">
				Steps 1–3 cost about $0.0014 (mock) to $0.0018 (live), so at the default{" "}
				{usd(DEMO_GUARDRAIL_DEFAULT_USD, 4)} the guardrail trips in step 4. From{" "}
				{usd(DEMO_GUARDRAIL_MIN_USD, 4)} to {usd(DEMO_GUARDRAIL_MAX_USD, 2)} (the server's own
				default); other sessions keep the server's.
			</p>
			<div class="notices">
				<p
					role="status"
					aria-label="Threshold"
					class={outcome?.ok ? "notice notice-success" : "notice-empty"}
				>
					{outcome?.ok ? outcome.text : ""}
				</p>
				<p
					role="alert"
					aria-label="Threshold: problem"
					class={outcome && !outcome.ok ? "notice notice-error" : "notice-empty"}
				>
					{outcome && !outcome.ok ? outcome.text : ""}
				</p>
			</div>
		</form>
	);
}
