// The amounts Stripe refuses to charge, known without a call (PaymentProvider.amountProblem).
// Stripe reads `amount` in the currency's minor unit (docs/api.md, "Money") and documents:
// - https://docs.stripe.com/api/payment_intents/create, `amount`: "The minimum amount is $0.50
//   US or equivalent in charge currency. The amount value supports up to eight digits (e.g., a
//   value of 99999999 for a USD charge of $999,999.99)."
// - https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts: a minimum charge
//   amount per currency (STRIPE_MIN_CHARGE_MINOR_UNITS below), for the currencies it lists.
// - https://docs.stripe.com/currencies, "Three-decimal currencies": BHD, JOD, KWD, OMR and TND
//   amounts must have 0 as their last digit (rounded to the nearest ten); "Special cases": ISK
//   is sent with two decimals but must be evenly divisible by 100.
// A currency the minimums table does not list has no fixed minimum: Stripe judges it by the
// day's rate into the account's settlement currency, which the server knows neither of, so it
// is not checked here and Stripe's `amount_too_small` stays possible for it
// (docs/decisions/072-amounts-the-provider-refuses.md,
// docs/decisions/083-fairness-runs-and-stripe-minimums.md).

import { MAX_AMOUNT_CENTS } from "./provider.ts";

/**
 * Stripe's minimum charge per currency, in the amount's minor unit (what `amount` carries: cents,
 * or yen for JPY, a zero-decimal currency), as https://docs.stripe.com/currencies lists them
 * under "Minimum and maximum charge amounts": USD $0.50, AED 2.00, AUD 0.50, BGN 1.00, BRL 0.50,
 * CAD 0.50, CHF 0.50, CZK 15.00, DKK 2.50, EUR 0.50, GBP 0.30, HKD 4.00, HUF 175.00, INR 0.50,
 * JPY ¥50, MXN 10, MYR 2, NOK 3.00, NZD 0.50, PLN 2.00, RON 2.00, SEK 3.00, SGD 0.50, THB 10.
 */
export const STRIPE_MIN_CHARGE_MINOR_UNITS: Readonly<Record<string, number>> = {
	USD: 50,
	AED: 200,
	AUD: 50,
	BGN: 100,
	BRL: 50,
	CAD: 50,
	CHF: 50,
	CZK: 1_500,
	DKK: 250,
	EUR: 50,
	GBP: 30,
	HKD: 400,
	HUF: 17_500,
	INR: 50,
	JPY: 50,
	MXN: 1_000,
	MYR: 200,
	NOK: 300,
	NZD: 50,
	PLN: 200,
	RON: 200,
	SEK: 300,
	SGD: 50,
	THB: 1_000,
};
/** Currencies Stripe charges without minor units: `amount` is the whole amount (the table's ¥50 is 50). */
const ZERO_DECIMAL_IN_TABLE: ReadonlySet<string> = new Set(["JPY"]);
/** Stripe's three-decimal currencies: the amount's last digit must be 0. */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
	"BHD",
	"JOD",
	"KWD",
	"OMR",
	"TND",
]);
/** Currencies Stripe counts in hundredths but charges only in whole units (multiples of 100). */
export const WHOLE_UNIT_CURRENCIES: ReadonlySet<string> = new Set(["ISK"]);

/**
 * Why Stripe would refuse to charge `amountCents` (minor units) in `currency`, or null when
 * it may take it. Zero is no charge at all (a free order never reaches the provider), so it is
 * never a problem. The reason names the rule and the amount, not the request field: the
 * caller says which field it came from.
 */
export function stripeAmountProblem(amountCents: number, currency: string): string | null {
	if (amountCents === 0) return null;
	const code = currency.toUpperCase();
	if (!Number.isInteger(amountCents) || amountCents < 0) {
		return `Stripe charges a whole, positive number of the currency's minor unit; got ${amountCents}`;
	}
	if (amountCents > MAX_AMOUNT_CENTS) {
		return `Stripe charges at most ${MAX_AMOUNT_CENTS} (eight digits) of the currency's minor unit; got ${amountCents} ${code}`;
	}
	const minimum = STRIPE_MIN_CHARGE_MINOR_UNITS[code];
	if (minimum !== undefined && amountCents < minimum) {
		return `Stripe charges at least ${minimumText(minimum, code)}; got ${amountCents}`;
	}
	if (THREE_DECIMAL_CURRENCIES.has(code) && amountCents % 10 !== 0) {
		return `Stripe charges ${code} (three decimals) only in amounts whose last digit is 0; got ${amountCents}`;
	}
	if (WHOLE_UNIT_CURRENCIES.has(code) && amountCents % 100 !== 0) {
		return `Stripe charges ${code} in hundredths but only in whole units (a multiple of 100); got ${amountCents}`;
	}
	return null;
}

/** The minimum as the table gives it: "50 USD cents ($0.50)", "30 GBP minor units (0.30 GBP)", "50 JPY". */
function minimumText(minimum: number, code: string): string {
	if (ZERO_DECIMAL_IN_TABLE.has(code)) return `${minimum} ${code}`;
	if (code === "USD") return `${minimum} USD cents ($${(minimum / 100).toFixed(2)})`;
	return `${minimum} ${code} minor units (${(minimum / 100).toFixed(2)} ${code})`;
}
