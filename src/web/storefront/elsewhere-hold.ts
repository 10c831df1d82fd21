// Which of the session's standing holds a tab that shows none takes on, and its words
// (useOtherTabHold.ts; docs/decisions/122-a-buyers-read-of-the-sessions-holds.md). Pure,
// unit-tested in Node: test/unit/storefront-elsewhere-hold.test.ts.

import type { Reservation } from "../../shared/types.ts";
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
