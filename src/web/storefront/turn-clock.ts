// The clock a waiting-room turn is shown by: the server's clock as this page sees it (each
// availability's `asOf` against the device's clock, useProductFeed), except that it is not set
// back by a small step. The estimate runs behind by the delay of the answer it came with, so an
// answer a fraction of a second late set it back: a turn that had just ended on screen came back
// for that moment, and a screen reader heard "It is your turn" after "Your turn is over" (a CI
// run at a high load average). A larger step back is a device clock corrected: followed at once.
// The sale's start keeps the estimate as it is (sale.ts): held, the page would open the drop as
// early as its least delayed answer allows. Pure: unit-tested (the hook is useTurnClock.ts).

/** Steps back up to this are an answer's delay, not the clock: the turn's clock holds. */
export const TURN_CLOCK_HOLD_MS = 5_000;

/** The turn's clock after `previousMs` (null: none yet) given the estimate `serverNowMs`. */
export function turnClock(previousMs: number | null, serverNowMs: number): number {
	if (previousMs === null || serverNowMs >= previousMs) return serverNowMs;
	return previousMs - serverNowMs <= TURN_CLOCK_HOLD_MS ? previousMs : serverNowMs;
}
