// A query parameter that is a count (a page's `limit`, a trail's `tail`, the metrics' `seconds`):
// digits only, read as the decimal number they write, leading zeros and all, and judged by that
// value: `007` and `0007` are 7, `0` and `1001` (over a bound of 1000) are refused. Before, each
// route took a fixed number of digits, so the catalogue took `007` and refused `0001`, and its
// message named a value range while the rule was a digit count
// (docs/decisions/107-bad-input-the-server-took.md). Anything a number parser reads that is not
// plain digits (`1e3`, `0x10`, `+5`, ` 5`, `5.0`) stays refused.

import { z } from "zod";

/** `what`: the unit in the message ("seconds"); the message names the value range it checks. */
export function countParam(max: number, what = "") {
	const message = `must be a whole number${what === "" ? "" : ` of ${what}`} 1..${max}`;
	return z
		.string()
		.regex(/^\d+$/, message)
		.transform(Number)
		.refine((n) => n >= 1 && n <= max, message);
}
