// The tab's title kept to what tab-title.ts says, restored to the page's own once in view. Set in
// the render's own task (a layout effect), not in an effect: a hidden page runs effects from
// timers that Chrome may wake once a minute, while the answer that brings the turn is a network
// task it runs at once.

import { useLayoutEffect, useRef } from "preact/hooks";
import { tabTitle } from "./tab-title.ts";

export function useTabTitle(
	visible: boolean,
	/** The admission's end while the turn is on the page, else null. */
	turnUntil: string | null,
	/** Server clock minus this device's: the turn's time left counted now, not at the last tick. */
	offsetMs: number,
	checkWaits: boolean,
): void {
	const base = useRef(document.title);
	useLayoutEffect(() => {
		const turnLeftSeconds =
			turnUntil === null ? null : (Date.parse(turnUntil) - (Date.now() + offsetMs)) / 1000;
		const title = tabTitle(base.current, { visible, turnLeftSeconds, checkWaits });
		if (document.title !== title) document.title = title;
	});
	// Gone from the page (the store unmounted): its own title back.
	useLayoutEffect(
		() => () => {
			document.title = base.current;
		},
		[],
	);
}
