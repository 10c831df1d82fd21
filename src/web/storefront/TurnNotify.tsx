// On the waiting card: the person may ask for a notification when their turn comes while this tab
// is in the background (useTurnNotification.ts). A checkbox, so focus stays on it whatever the
// browser answers; the browser's permission prompt comes only from this click. A browser that
// makes no notification from a page is not offered the box: the card says what comes instead,
// and a notification that failed at the turn is said once the page is shown, under the turn
// (docs/decisions/152-a-notification-the-browser-cannot-show.md).

import type { TurnNotifyState } from "./useTurnNotification.ts";

export const NO_PAGE_NOTIFICATIONS =
	"This browser shows no notifications from this page, so none is offered. When your turn comes while this tab is in the background, only the tab's title says so.";
export const NOTIFICATION_MISSED =
	"Your turn came while this tab was in the background, but this browser did not show the notification you asked for: it shows none from this page. Only the tab's title said so.";

export function TurnNotify({ notify }: { notify: TurnNotifyState }) {
	if (notify.permission === "unsupported") return null;
	if (notify.noPage !== null)
		return (
			<p class="turn-notify muted small">
				{notify.noPage === "turn" ? NOTIFICATION_MISSED : NO_PAGE_NOTIFICATIONS}
			</p>
		);
	return (
		<div class="turn-notify">
			<label>
				<input
					type="checkbox"
					checked={notify.on}
					onChange={(e) => notify.toggle(e.currentTarget.checked)}
				/>{" "}
				Notify me when it is my turn, if this tab is in the background
			</label>
			<p role="status" class="muted small">
				{notify.permission === "denied"
					? "Notifications are blocked for this site in this browser. The tab's title still says when it is your turn."
					: ""}
			</p>
		</div>
	);
}

/** Under the turn's banner: the notification asked for did not come (not a live region: the
 * turn itself is what YourTurn.tsx says when the page is shown). */
export function NotificationMissed({ notify }: { notify: TurnNotifyState }) {
	if (notify.noPage !== "turn") return null;
	return <p class="muted small">{NOTIFICATION_MISSED}</p>;
}
