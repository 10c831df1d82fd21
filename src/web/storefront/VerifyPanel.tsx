// The storefront's "Verify you are human" card: the Turnstile widget (or the local check) once
// the config is read, why it is not there yet otherwise, and the words for a session that ended
// (useHumanCheck.ts holds the logic). Moved out of App.tsx unchanged.

import type { UiConfig } from "../../shared/types.ts";
import { Turnstile } from "../components/Turnstile.tsx";

export interface VerifyPanelProps {
	/** The tab had a session that ended: the check renews it. */
	ended: boolean;
	config: UiConfig | null;
	configProblem: string | null;
	checkRound: number;
	onToken(token: string): void;
}

export function VerifyPanel({
	ended,
	config,
	configProblem,
	checkRound,
	onToken,
}: VerifyPanelProps) {
	return (
		<section class="card" aria-labelledby="verify-title">
			<h2 id="verify-title">Verify you are human</h2>
			<p class="muted small">
				{ended
					? "Your session ended. Verify again to go on with it: a hold and a place in the queue stay yours."
					: "One check per visit keeps bots away from the stock."}
			</p>
			{config !== null ? (
				<Turnstile
					siteKey={config.turnstileSiteKey}
					local={config.localTurnstile}
					round={checkRound}
					onToken={onToken}
				/>
			) : configProblem !== null ? (
				<p role="alert" class="notice notice-error">
					Could not load the human check: {configProblem} Trying again by itself…
				</p>
			) : (
				<p class="muted">Loading…</p>
			)}
		</section>
	);
}
