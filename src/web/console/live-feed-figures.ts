// The console's Live feed card (stats' `live`, docs/api.md;
// docs/decisions/156-the-live-feeds-places-in-the-stats.md): the feed's places now, against its
// bounds and by address, and what was closed or refused to keep them, a flood's close and its
// address's cool-down too (decision 170). Pure: no DOM, no Preact.

import type { LiveFeedStats } from "../../shared/types.ts";

/** One named number of the card; `alert` when it says the bound is reached. */
export interface LiveFigure {
	label: string;
	value: string;
	alert: boolean;
}

/** The card's figures in the order shown, or null from a server that does not report them. */
export function liveFeedFigures(live: LiveFeedStats | undefined): LiveFigure[] | null {
	if (live === undefined) return null;
	const figure = (label: string, value: string, alert = false) => ({ label, value, alert });
	return [
		figure("Open", `${live.open} of ${live.cap}`, live.open >= live.cap),
		figure("Addresses", String(live.addresses)),
		figure(
			"Most from one address",
			`${live.mostByOneAddress} of ${live.perAddressCap}`,
			live.mostByOneAddress >= live.perAddressCap,
		),
		figure("Addresses at their cap", String(live.addressesAtCap), live.addressesAtCap > 0),
		figure("Closed idle to make room", String(live.idleClosed)),
		figure("Refused: feed full", String(live.refusedFull), live.refusedFull > 0),
		figure("Refused: address at its cap", String(live.refusedAddress), live.refusedAddress > 0),
		figure("Closed for flooding", String(live.floodClosed), live.floodClosed > 0),
		figure("Refused: address cooling down", String(live.refusedCoolDown), live.refusedCoolDown > 0),
	];
}
