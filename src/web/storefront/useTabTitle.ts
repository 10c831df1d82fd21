// The tab's title kept to what tab-title.ts says, and the page's own once in view. Set in layout
// effects, in the task of the render that changed what it says (the answer that brought the turn,
// the visibilitychange event), not in effects: a hidden page runs effects from timers chained to
// its clock's interval, and Chrome wakes such timers once a minute after five minutes hidden.
// For the same reason the turn's time left moves by a clock of its own while hidden: one timer a
// second, each armed from a message task, so never a chain Chrome throttles to a minute; it runs
// only while the page is hidden in a turn, so it ends with the turn
// (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).

import { useLayoutEffect, useRef } from "preact/hooks";
import { tabTitle } from "./tab-title.ts";

export function useTabTitle(
	visible: boolean,
	/** The admission's end while the turn is on the page, else null. */
	turnUntil: string | null,
	/** Server clock minus this device's: the turn's time left counted now, not at the last tick. */
	offsetMs: number,
	checkWaits: boolean,
	/** The session ended while the page showed a place in line (tab-title.ts). */
	sessionEnded = false,
): void {
	const base = useRef(document.title);
	useLayoutEffect(() => {
		const untilMs = turnUntil === null ? null : Date.parse(turnUntil);
		const leftSeconds = () =>
			untilMs === null ? null : (untilMs - (Date.now() + offsetMs)) / 1000;
		const show = () => {
			const title = tabTitle(base.current, {
				visible,
				turnLeftSeconds: leftSeconds(),
				checkWaits,
				sessionEnded,
			});
			if (document.title !== title) document.title = title;
		};
		show();
		if (visible || untilMs === null) return;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const hop = new MessageChannel();
		const tick = () => {
			show();
			const left = leftSeconds();
			if (left !== null && left > 0) hop.port2.postMessage(null);
		};
		// At the next whole second of the time left, from a task that is not a timer's.
		hop.port1.onmessage = () => {
			const left = leftSeconds() ?? 0;
			timer = setTimeout(tick, Math.max(50, (left % 1) * 1000));
		};
		hop.port2.postMessage(null);
		return () => {
			clearTimeout(timer);
			hop.port1.close();
		};
	}, [visible, turnUntil, offsetMs, checkWaits, sessionEnded]);
	// Gone from the page (the store unmounted): its own title back.
	useLayoutEffect(
		() => () => {
			document.title = base.current;
		},
		[],
	);
}
