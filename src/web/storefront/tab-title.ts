// What the tab's title says while the page is out of view: the tab strip is all a person waiting
// in another tab sees of it. Their turn, with the time left to reserve, a human check that waits
// for their click, or a session that ended while the page held a place in line (the check is
// back, and the page reads no ticket until it is passed); otherwise, and always in view, the page's own title
// (docs/storefront.md, "A turn in a background tab";
// docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).
// Pure: unit-tested in test/unit/storefront-tab-title.test.ts.

import { clock } from "../lib/format.ts";

/** Between what the title says and the site's name, as in the pages' own titles. */
const SEPARATOR = " — ";

export interface TabSignals {
	/** The page is in view: its own title, nothing else. */
	visible: boolean;
	/** The turn's seconds left while the turn is on the page (admitted, no hold), else null. */
	turnLeftSeconds: number | null;
	/** The human check on the page waits for a click (the widget asked for one). */
	checkWaits: boolean;
	/** The session ended while the page showed a place in line: the human check is back. */
	sessionEnded?: boolean;
}

/** The title for `base` (the page's own, "Revenue Guard — Store") given what the page shows. */
export function tabTitle(base: string, signals: TabSignals): string {
	if (signals.visible) return base;
	const site = base.split(SEPARATOR)[0] ?? base;
	const left = signals.turnLeftSeconds;
	// The turn first: it is what runs out. A turn whose time is up is no longer news here.
	if (left !== null && left > 0)
		return `Your turn: ${clock(Math.ceil(left))} left to reserve${SEPARATOR}${site}`;
	if (signals.checkWaits) return `Click to keep your session${SEPARATOR}${site}`;
	if (signals.sessionEnded === true) return `Your session ended: verify again${SEPARATOR}${site}`;
	return base;
}
