// The turn's clock over the page's renders (turn-clock.ts).

import { useRef } from "preact/hooks";
import { turnClock } from "./turn-clock.ts";

export function useTurnClock(serverNowMs: number): number {
	const last = useRef<number | null>(null);
	last.current = turnClock(last.current, serverNowMs);
	return last.current;
}
