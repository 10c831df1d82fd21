// The storefront's "Keeping your session" card: the human check run again shortly before the
// buyer session ends, with the session's token, so a buyer who waits for the start or for a turn
// never meets the check at that moment (session-renewal.ts says when). Turnstile's managed mode
// mostly passes without a click; if it asks for one, it asks now, ahead of the end — in a
// background tab that holds a place in line, the card waits with it until the buyer comes back
// (docs/decisions/137-a-line-waited-in-a-background-tab.md), and the tab's title says it waits
// for a click (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).

import type { UiConfig } from "../../shared/types.ts";
import { Turnstile } from "../components/Turnstile.tsx";
import { clock } from "../lib/format.ts";

export interface RenewPanelProps {
	config: UiConfig;
	endsInSeconds: number;
	checkRound: number;
	onToken(token: string): void;
	/** The widget waits for a click (or stops waiting): the tab's title says so out of view. */
	onAsking(asking: boolean): void;
}

export function RenewPanel({
	config,
	endsInSeconds,
	checkRound,
	onToken,
	onAsking,
}: RenewPanelProps) {
	return (
		<section class="card" aria-labelledby="renew-title">
			<h2 id="renew-title">Keeping your session</h2>
			<p class="muted small">
				Your session ends in {clock(endsInSeconds)}. The human check renews it now, so that your
				place in the queue and any hold stay yours without a stop later.
			</p>
			<Turnstile
				siteKey={config.turnstileSiteKey}
				local={config.localTurnstile}
				round={checkRound}
				onToken={onToken}
				onAsking={onAsking}
			/>
		</section>
	);
}
