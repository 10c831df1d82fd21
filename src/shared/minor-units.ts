// The unit `priceCents` and `amountCents` count in (docs/api.md, "Money"): the currency's minor
// unit as the payment provider reads `amount`. Shared by the UI (src/web/lib/format.ts) and the
// Worker's messages, so both say the same amount; Intl's currency data only, no DOM or Workers.

/**
 * Stripe's zero-decimal currencies (docs.stripe.com/currencies): their API amount is the unit
 * itself. Every other currency that Intl shows without decimals (HUF, ISK, IDR, COP, …) is
 * still counted in hundredths there, so Intl's digits alone would undercharge those 100×.
 */
const ZERO_DECIMAL_CURRENCIES = new Set([
	"BIF",
	"CLP",
	"DJF",
	"GNF",
	"JPY",
	"KMF",
	"KRW",
	"MGA",
	"PYG",
	"RWF",
	"UGX",
	"VND",
	"VUV",
	"XAF",
	"XOF",
	"XPF",
]);
/** Hundredths: the minor unit of most currencies, and of any code Intl does not know. */
const DEFAULT_MINOR_DIGITS = 2;

/** The decimals a price is shown and typed with (Intl's currency data: USD 2, JPY 0, KWD 3). */
export function shownDigits(currency: string): number {
	try {
		return (
			new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
				.maximumFractionDigits ?? DEFAULT_MINOR_DIGITS
		);
	} catch {
		return DEFAULT_MINOR_DIGITS;
	}
}

/**
 * The decimals of the unit `priceCents`/`amountCents` count in: the currency's minor unit as the
 * payment provider reads `amount` (docs/api.md, "Money"): 2 for USD (cents), 0 for JPY, 3 for KWD.
 */
export function minorUnitDigits(currency: string): number {
	const shown = shownDigits(currency);
	if (shown === 0 && !ZERO_DECIMAL_CURRENCIES.has(currency.toUpperCase()))
		return DEFAULT_MINOR_DIGITS;
	return shown;
}

/**
 * An integer amount in minor units, said so that it cannot be read as whole units:
 * 999999990 USD → "999999990 USD minor units (9,999,999.90 USD)", 1000 JPY → "1000 JPY" (its
 * minor unit is the yen). The units are cut from the integer's digits, not divided as a float.
 */
export function minorUnitsText(minor: number, currency: string): string {
	const code = currency.toUpperCase();
	const digits = minorUnitDigits(code);
	if (digits === 0 || !Number.isSafeInteger(minor) || minor < 0) return `${minor} ${code}`;
	const padded = String(minor).padStart(digits + 1, "0");
	const whole = new Intl.NumberFormat("en").format(Number(padded.slice(0, -digits)));
	return `${minor} ${code} minor units (${whole}.${padded.slice(-digits)} ${code})`;
}
