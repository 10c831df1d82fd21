// The guided demo (/demo): seed 003's six steps against the live Worker or the
// in-browser simulation, chosen with the mock/live toggle (?backend=mock|live).

import { useEffect } from "preact/hooks";
import { Layout } from "../components/Layout.tsx";
import { useNow } from "../lib/hooks.ts";
import { CostMeter, SessionBanner } from "./StatusBar.tsx";
import {
	GuardrailStep,
	LoginStep,
	ResetStep,
	SafeStep,
	StampedeStep,
	SummaryStep,
} from "./Steps.tsx";
import { type Backend, useDemo } from "./useDemo.ts";

function initialBackend(): Backend {
	return new URLSearchParams(location.search).get("backend") === "mock" ? "mock" : "live";
}

export function Demo() {
	const { state: s, actions } = useDemo(initialBackend());
	const now = useNow(1000);

	useEffect(() => {
		void actions.loadConfig();
	}, [s.backend]);

	const choose = (backend: Backend) => {
		const url = new URL(location.href);
		url.searchParams.set("backend", backend);
		history.replaceState(null, "", url);
		actions.switchBackend(backend);
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
									checked={s.backend === b}
									onChange={() => choose(b)}
								/>
								{b === "mock" ? "Mock (in browser)" : "Live (server)"}
							</label>
						))}
					</div>
				</fieldset>
			</section>
			{s.session && <SessionBanner session={s.session} nowMs={now} />}
			<CostMeter cost={s.cost} guardrail={s.guardrail} />
			<LoginStep s={s} onToken={(t) => void actions.login(t)} />
			<SafeStep s={s} onAllocate={() => void actions.allocateSafe()} />
			<StampedeStep s={s} onFire={(m) => void actions.stampede(m)} />
			<GuardrailStep s={s} />
			<ResetStep s={s} onReset={() => void actions.reset()} />
			<SummaryStep s={s} />
		</Layout>
	);
}
