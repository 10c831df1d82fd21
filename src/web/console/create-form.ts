// The create form's parsing, pure of Preact and the DOM so the unit tests run it directly
// (test/unit/console-money.test.ts).

/**
 * The start time typed in the form as an ISO instant, null when left empty, or undefined when
 * it cannot be read: a datetime-local input takes years of five or six digits (a typo such as
 * 20266) that `Date` does not parse, and `toISOString` would throw.
 */
export function startsAtInstant(typed: string): string | null | undefined {
	if (typed === "") return null;
	const at = new Date(typed);
	return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
