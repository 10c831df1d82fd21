// A system notification when the turn comes while the page is out of view, for a person who asked
// for one on the waiting card (TurnNotify.tsx): the permission is asked only by that click, never
// on load. Sent in the task of the answer that brought the turn (a layout effect, as the tab's
// title, useTabTitle.ts), once per admission, and closed when the page is shown or the turn goes.
// A browser whose pages cannot make notifications (Chrome on Android wants a service worker) is
// found before the box is offered where it can be (page-notifications.ts), else by the failure at
// the turn, which the page says when shown; one that stops background tabs shows none. The title
// is then the sign (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md,
// docs/decisions/152-a-notification-the-browser-cannot-show.md).

import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { pageNotifications, rememberNoPageNotifications } from "./page-notifications.ts";
import { spokenDuration } from "./turn-announcement.ts";

export interface TurnNotifyState {
	/** The browser's permission for this site, or "unsupported": no notifications here. */
	permission: NotificationPermission | "unsupported";
	/**
	 * This browser makes no notification from this page: found before offering ("probe"), or
	 * when the one asked for failed at the turn ("turn"); null while not known to fail.
	 */
	noPage: "probe" | "turn" | null;
	/** The person asked for a notification, and the browser lets the page make one. */
	on: boolean;
	toggle(on: boolean): void;
}

const supported = () => typeof Notification === "function";

export function useTurnNotification(
	sku: string,
	/** The admission's end while the turn is on the page, else null. */
	turnUntil: string | null,
	visible: boolean,
	/** Server clock minus this device's. */
	offsetMs: number,
	/** The waiting card, which offers the box, is on the page. */
	waiting: boolean,
): TurnNotifyState {
	const [permission, setPermission] = useState<TurnNotifyState["permission"]>(() =>
		supported() ? Notification.permission : "unsupported",
	);
	const [noPage, setNoPage] = useState<TurnNotifyState["noPage"]>(null);
	const [on, setOn] = useState(false);
	// Probed once, when the box would first be offered (never on a page without a room), in a
	// layout effect: a box that cannot work is never painted.
	const probed = useRef(false);
	useLayoutEffect(() => {
		if (!waiting || probed.current) return;
		probed.current = true;
		if (pageNotifications() === "no-page") setNoPage((was) => was ?? "probe");
	}, [waiting]);
	const toggle = useCallback(
		(want: boolean) => {
			if (!want || !supported() || noPage !== null) return setOn(false);
			const now = Notification.permission;
			setPermission(now);
			if (now !== "default") return setOn(now === "granted");
			// The person's click asks; a dismissed prompt leaves it "default", and unticked.
			void Notification.requestPermission().then((answer) => {
				setPermission(answer);
				setOn(answer === "granted");
			});
		},
		[noPage],
	);

	const sent = useRef<{ until: string; note: Notification | null } | null>(null);
	useLayoutEffect(() => {
		if (visible || turnUntil === null) {
			sent.current?.note?.close();
			if (sent.current !== null) sent.current.note = null;
			return;
		}
		if (!on || sent.current?.until === turnUntil || Notification.permission !== "granted") return;
		const leftSeconds = (Date.parse(turnUntil) - (Date.now() + offsetMs)) / 1000;
		if (leftSeconds <= 0) return;
		let note: Notification | null = null;
		try {
			note = new Notification("Your turn to reserve", {
				body: `You have ${spokenDuration(leftSeconds)} to reserve. Come back to the store's tab to use it.`,
				tag: `revenue-guard-turn-${sku}`,
			});
			const shown = note;
			shown.onclick = () => {
				window.focus();
				shown.close();
			};
		} catch {
			// A browser that makes notifications only through a service worker (Chrome on Android,
			// its permission granted before this page could probe): the title says the turn, and
			// the page says, once shown, that the notification asked for did not come.
			rememberNoPageNotifications();
			setNoPage("turn");
			setOn(false);
		}
		sent.current = { until: turnUntil, note };
	}, [visible, on, turnUntil, offsetMs, sku]);

	return { permission, noPage, on, toggle };
}
