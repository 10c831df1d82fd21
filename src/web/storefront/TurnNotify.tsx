// On the waiting card: the person may ask for a notification when their turn comes while this tab
// is in the background (useTurnNotification.ts). A checkbox, so focus stays on it whatever the
// browser answers; the browser's permission prompt comes only from this click.

import type { TurnNotifyState } from "./useTurnNotification.ts";

export function TurnNotify({ notify }: { notify: TurnNotifyState }) {
	if (notify.permission === "unsupported") return null;
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
