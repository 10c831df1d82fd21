// The live socket's state as a badge beside the console's numbers. While the socket waits
// to reconnect the badge counts down to the next try, once a second: a number that
// stood still would say the wait never ends.

import type { LiveState } from "../api/live.ts";
import { useNow } from "../lib/hooks.ts";

/** The badge's words at `nowMs`: the seconds left until the next try, rounded up, never below 1. */
export function liveBadgeText(state: LiveState, nowMs: number): string {
	if (state.kind === "open") return "Live";
	if (state.kind === "connecting") return "Connecting…";
	const seconds = Math.max(1, Math.ceil((state.retryAtMs - nowMs) / 1000));
	return `Reconnecting in ${seconds} s`;
}

function Countdown({ state }: { state: LiveState }) {
	// A quarter-second tick, so the number changes within 250 ms of each whole second.
	const now = useNow(250);
	return <>{liveBadgeText(state, now)}</>;
}

export function LiveBadge({ state }: { state: LiveState }) {
	return (
		<span class={`badge ${state.kind === "open" ? "badge-ok" : "badge-warn"}`}>
			{state.kind === "waiting" ? <Countdown state={state} /> : liveBadgeText(state, 0)}
		</span>
	);
}
