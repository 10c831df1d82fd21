// The live socket's state as a badge beside the console's numbers. While the socket waits
// to reconnect the badge counts down to the next try, once a second: a number that
// stood still would say the wait never ends. The badge is not a live region (a countdown read
// every second would drown the page); a polite status beside it says the change of state once —
// the live updates stopped, and they are back — so a screen-reader operator learns what a
// sighted one sees (the counters go on through the stats poll meanwhile, decision 069).

import { useRef } from "preact/hooks";
import type { LiveState } from "../api/live.ts";
import { useNow } from "../lib/hooks.ts";

/** The badge's words at `nowMs`: the seconds left until the next try, rounded up, never below 1. */
export function liveBadgeText(state: LiveState, nowMs: number): string {
	if (state.kind === "open") return "Live";
	if (state.kind === "connecting") return "Connecting…";
	if (state.kind === "paused") return "Paused while out of view";
	const seconds = Math.max(1, Math.ceil((state.retryAtMs - nowMs) / 1000));
	return `Reconnecting in ${seconds} s`;
}

/**
 * Where the socket stands for the announcement: before its first opening nothing is said (the
 * page is loading); after it, every close is "lost" until it opens again ("back"). Connecting and
 * waiting are both "lost", so the retries in between say nothing new.
 */
export type LivePhase = "starting" | "live" | "lost" | "back";

export function nextLivePhase(phase: LivePhase, state: LiveState): LivePhase {
	if (state.kind === "open")
		return phase === "lost" ? "back" : phase === "starting" ? "live" : phase;
	return phase === "starting" ? "starting" : "lost";
}

export const LIVE_PHASE_TEXT: Record<LivePhase, string> = {
	starting: "",
	live: "",
	lost: "Live updates stopped: the counters are still read from the server every few seconds while the page reconnects.",
	back: "Live updates are back.",
};

function Countdown({ state }: { state: LiveState }) {
	// A quarter-second tick, so the number changes within 250 ms of each whole second.
	const now = useNow(250);
	return <>{liveBadgeText(state, now)}</>;
}

/** One drop's socket: App.tsx keys it by SKU, so another drop's first connection says nothing. */
export function LiveBadge({ state }: { state: LiveState }) {
	const phase = useRef<LivePhase>("starting");
	phase.current = nextLivePhase(phase.current, state);
	return (
		<>
			<span class={`badge ${state.kind === "open" ? "badge-ok" : "badge-warn"}`}>
				{state.kind === "waiting" ? <Countdown state={state} /> : liveBadgeText(state, 0)}
			</span>
			<span class="visually-hidden" role="status" aria-label="Live updates">
				{LIVE_PHASE_TEXT[phase.current]}
			</span>
		</>
	);
}
