// A price as typed in the console's create and edit forms, in units of its currency, read into
// the currency's minor units (docs/api.md, "Money") without rounding. A price takes at most the
// decimals of that minor unit (`minorUnitDigits`: USD 2, JPY 0, KWD 3, the price field's step),
// so a price read here is exact in `priceCents`, and every price the API takes can be typed:
// HUF, ISK, IDR, COP, … are shown whole but counted in hundredths, and take hundredths
// (docs/decisions/191-hundredths-of-a-currency-shown-whole.md; they took whole prices only).
// One with more decimals is refused, naming the decimals the currency takes, rather than
// rounded (24.505 USD was sent as 2451); a price left as shown when the currency changes is
// read in the new currency and refused the same way, never converted (24.50 USD to JPY was sent
// as ¥25). Trailing zeros are no decimals: 25.00 is a whole price, 25 yen in JPY. Pure:
// test/unit/console-money.test.ts.

import { minorUnitDigits, toMinorUnits } from "../lib/format.ts";

export type TypedPrice = { ok: true; minor: number } | { ok: false; message: string };

/** A decimal numeral as a number input takes it: a sign, digits, a point, an exponent. */
const NUMERAL = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The decimals a numeral's value needs (trailing zeros need none): "24.505" 3, "24.50" 1,
 * "25.00" 0, "1.5e1" 0, "100e-2" 0; null when the text is not a numeral.
 */
export function decimalsNeeded(text: string): number | null {
	const m = NUMERAL.exec(text.trim());
	if (m === null) return null;
	const whole = m[1] ?? "";
	const fraction = m[2] ?? "";
	if (whole === "" && fraction === "") return null;
	const point = whole.length + Number(m[3] ?? "0");
	const significant = `${whole}${fraction}`.replace(/0+$/, "").length;
	return Math.max(0, significant - point);
}

/** "no decimals", "at most 1 decimal", "at most 2 decimals". */
function allowed(digits: number): string {
	if (digits === 0) return "no decimals";
	return `at most ${digits} decimal${digits === 1 ? "" : "s"}`;
}

/**
 * The typed price in `currency`'s minor units, or why it cannot be sent. `currencyChanged`: the
 * operator changed the currency (the edit form), so a refusal says the price is not converted.
 * The server judges the range (0..99,999,999, the provider's minimum).
 */
export function readPrice(typed: string, currency: string, currencyChanged = false): TypedPrice {
	const text = typed.trim();
	const needed = decimalsNeeded(text);
	if (needed === null || !Number.isFinite(Number(text)))
		return { ok: false, message: "Price must be a number." };
	const code = currency.trim().toUpperCase();
	const digits = minorUnitDigits(code);
	if (needed > digits) {
		const why =
			digits === 0
				? `${text} is not a whole number, and the console does not round it.`
				: `${text} has more, and the console does not round it.`;
		const converted = currencyChanged
			? ` Changing the currency does not convert the price: type it in ${code}.`
			: "";
		return {
			ok: false,
			message: `A price in ${code} takes ${allowed(digits)}: ${why}${converted}`,
		};
	}
	return { ok: true, minor: toMinorUnits(Number(text), code) };
}
