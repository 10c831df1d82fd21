// Which of the session's standing holds a tab that shows none takes on, and its words
// (useOtherTabHold.ts; docs/decisions/122-a-buyers-read-of-the-sessions-holds.md). Pure,
// unit-tested in Node: test/unit/storefront-elsewhere-hold.test.ts.

import type { Reservation } from "../../shared/types.ts";
import { describeCode } from "../api/outcomes.ts";
import { stillHeld } from "./ended-hold.ts";

/** The words for a hold found elsewhere: the tab that told, or a place this tab cannot name. */
export function elsewhereHoldText(quantity: number, toldByTab: boolean): string {
	const units = quantity === 1 ? "1 unit" : `${quantity} units`;
	return toldByTab
		? `Your other tab reserved ${units}: the hold shows here too, and you can pay it from either tab.`
		: `This session holds ${units} reserved in another tab or window: the hold shows here too, and you can pay it from either.`;
}

/** The hold to show of the session's standing ones: the one the news named, else the newest. */
export function holdToShow(holds: Reservation[], namedId: string | null): Reservation | null {
	const standing = holds.filter((h) => stillHeld(h.status));
	return standing.find((h) => h.reservationId === namedId) ?? standing.at(-1) ?? null;
}

/**
 * What the read says of a running cool-down (docs/api.md, `coolDownUntil`): when it ends on this
 * page's clock and its words, as its refusal would say them; null when none runs (or it is over).
 */
export function coolDownFromRead(
	coolDownUntil: string | null,
	offsetMs: number,
	localNowMs: number,
): { untilMs: number; text: string } | null {
	if (coolDownUntil === null) return null;
	const untilMs = Date.parse(coolDownUntil) - offsetMs;
	if (!(untilMs > localNowMs)) return null;
	return {
		untilMs,
		text: describeCode("hold_cooldown", "", Math.ceil((untilMs - localNowMs) / 1000)),
	};
}
