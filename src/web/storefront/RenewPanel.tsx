// The storefront's "Keeping your session" card: the human check run again shortly before the
// buyer session ends, with the session's token, so a buyer who waits for the start or for a turn
// never meets the check at that moment (session-renewal.ts says when). Turnstile's managed mode
// mostly passes without a click; if it asks for one, it asks now, ahead of the end — in a
// background tab that holds a place in line, the card waits with it until the buyer comes back
// (docs/decisions/137-a-line-waited-in-a-background-tab.md), and the tab's title says it waits
// for a click (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).

import { useEffect, useRef, useState } from "preact/hooks";
import type { UiConfig } from "../../shared/types.ts";
import { Turnstile } from "../components/Turnstile.tsx";
import { clock } from "../lib/format.ts";

export interface RenewPanelProps {
	config: UiConfig;
	endsInSeconds: number;
	/**
	 * Renews the session with the widget's token (useHumanCheck.ts renew): null once renewed, else
	 * how long until the check is offered again (session-renewal.ts refusedRenewalRetryMs).
	 */
	onToken(token: string): Promise<number | null>;
	/** The widget waits for a click (or stops waiting): the tab's title says so out of view. */
	onAsking(asking: boolean): void;
}

export function RenewPanel({ config, endsInSeconds, onToken, onAsking }: RenewPanelProps) {
	// The card's own round: a refused renewal re-arms this widget (a token is single-use) after
	// its retry, and the retry goes with the card. A session that ends meanwhile takes the card
	// away and shows the sign-in check (VerifyPanel.tsx), which the retry must not reset under
	// the buyer's hand; the next renewal's card starts with no retry pending.
	const [round, setRound] = useState(0);
	const retry = useRef<{ timer: ReturnType<typeof setTimeout> | null; gone: boolean }>({
		timer: null,
		gone: false,
	});
	useEffect(
		() => () => {
			retry.current.gone = true;
			if (retry.current.timer !== null) clearTimeout(retry.current.timer);
		},
		[],
	);
	const take = async (token: string) => {
		const retryMs = await onToken(token);
		if (retryMs === null || retry.current.gone) return;
		retry.current.timer = setTimeout(() => setRound((n) => n + 1), retryMs);
	};
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
				round={round}
				onToken={(token) => void take(token)}
				onAsking={onAsking}
			/>
		</section>
	);
}
