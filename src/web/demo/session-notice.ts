// What the demo's session line says to a screen reader: not its clock (the banner's countdown is
// a `role="timer"`, which is not announced), only the moments that matter to a presenter — five
// minutes left, one minute left, and the end. A text changes only when one of those is crossed,
// so the polite region speaks at most three times in a 20-minute session. No DOM: unit-tested
// in test/unit/demo-session-notice.test.ts.

/** Seconds left at which the notice speaks, largest first, with its words. */
const STEPS: readonly { atSeconds: number; text: string }[] = [
	{ atSeconds: 60, text: "One minute of the demo session left." },
	{ atSeconds: 5 * 60, text: "Five minutes of the demo session left." },
];

/** The notice for a session with `leftSeconds` to go ("" while nothing needs saying). */
export function sessionNotice(leftSeconds: number): string {
	if (leftSeconds <= 0) return "";
	return STEPS.find((s) => leftSeconds <= s.atSeconds)?.text ?? "";
}
