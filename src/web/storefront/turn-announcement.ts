// What the waiting room's turn says to a screen reader: the turn once when it comes, then the
// time left at a few steps (each whole minute, the last 10 seconds) and its end — never the
// per-second countdown, which the visible banner shows as a timer that is not announced
// (docs/decisions/116-the-storefront-for-keyboard-and-screen-reader-buyers.md).
// Pure: unit-tested in test/unit/storefront-turn-announcement.test.ts.

/** The last step said before the turn ends. */
export const LAST_STEP_SECONDS = 10;
/** A step this close to the first sentence would cut it short: none is said. */
const FIRST_SENTENCE_SECONDS = 5;

/** "45 seconds", "1 minute", "1 minute 30 seconds", "2 minutes". */
export function spokenDuration(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	const minutes = Math.floor(s / 60);
	const rest = s % 60;
	const m = minutes === 0 ? "" : `${minutes} minute${minutes === 1 ? "" : "s"}`;
	const r = rest === 0 && minutes > 0 ? "" : `${rest} second${rest === 1 ? "" : "s"}`;
	return [m, r].filter((x) => x !== "").join(" ");
}

/**
 * How far past the room's `admitSeconds` a turn's time left may seem from the page's estimate of
 * the server's clock alone: the estimate runs behind by the network delay of the answer it came
 * with (sale.ts clockOffsetMs). Further past, the admission really is longer — made before the
 * operator shortened `admitSeconds` — and is said at its own length.
 */
export const CLOCK_SLACK_SECONDS = 5;

/**
 * The turn's length as first said: the seconds from the page's estimate of the server's clock to
 * the admission's end, rounded to the nearest. Within CLOCK_SLACK_SECONDS over the room's
 * `admitSeconds` it is said as `admitSeconds` — a clock estimate a fraction of a second behind
 * would otherwise make a 60-second turn "1 minute 1 second" (decision 155); an admission longer
 * than that, made before `admitSeconds` was shortened, keeps its own length, which the banner's
 * countdown shows too (decision 161). Never below 0.
 */
export function firstLeftSeconds(untilMs: number, nowMs: number, admitSeconds: number): number {
	const left = Math.max(0, Math.round((untilMs - nowMs) / 1000));
	return left > admitSeconds && left <= admitSeconds + CLOCK_SLACK_SECONDS ? admitSeconds : left;
}

/**
 * The announcement for a turn with `leftSeconds` to go, first seen with `firstLeftSeconds` (the
 * page may learn of its turn late). The text changes only at a step, so a live region holding it
 * speaks a handful of times in a turn, not once a second.
 */
export function turnAnnouncement(leftSeconds: number, firstLeftSeconds: number): string {
	if (leftSeconds <= 0) return "Your turn is over: the time to reserve ran out.";
	// Steps after the first sentence only: one at the turn's very start would cut that sentence.
	const latest = firstLeftSeconds - FIRST_SENTENCE_SECONDS;
	const steps: number[] = [];
	for (let m = 60; m <= latest; m += 60) steps.push(m);
	if (LAST_STEP_SECONDS <= latest) steps.push(LAST_STEP_SECONDS);
	const passed = steps.filter((step) => leftSeconds <= step);
	if (passed.length === 0)
		return `It is your turn: you have ${spokenDuration(firstLeftSeconds)} to reserve.`;
	const step = Math.min(...passed);
	return `${spokenDuration(step)} left to reserve.`;
}
