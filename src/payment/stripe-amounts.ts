// The amounts Stripe refuses to charge, known without a call (PaymentProvider.amountProblem).
// Stripe reads `amount` in the currency's minor unit (docs/api.md, "Money") and documents:
// - https://docs.stripe.com/api/payment_intents/create, `amount`: "The minimum amount is $0.50
//   US or equivalent in charge currency. The amount value supports up to eight digits (e.g., a
//   value of 99999999 for a USD charge of $999,999.99)."
// - https://docs.stripe.com/currencies, "Three-decimal currencies": BHD, JOD, KWD, OMR and TND
//   amounts must have 0 as their last digit (rounded to the nearest ten); "Special cases": ISK
//   is sent with two decimals but must be evenly divisible by 100.
// The minimum of a currency other than USD is "the equivalent" of $0.50 at the day's rate in
// the account's settlement currency, so it cannot be known here and is not checked: Stripe
// refuses such a charge with `amount_too_small` (docs/decisions/072-amounts-the-provider-refuses.md).

import { MAX_AMOUNT_CENTS } from "./provider.ts";

/** "$0.50 US": in cents. */
export const STRIPE_MIN_USD_CENTS = 50;
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
	if (code === "USD" && amountCents < STRIPE_MIN_USD_CENTS) {
		return `Stripe charges at least ${STRIPE_MIN_USD_CENTS} USD cents ($0.50); got ${amountCents}`;
	}
	if (THREE_DECIMAL_CURRENCIES.has(code) && amountCents % 10 !== 0) {
		return `Stripe charges ${code} (three decimals) only in amounts whose last digit is 0; got ${amountCents}`;
	}
	if (WHOLE_UNIT_CURRENCIES.has(code) && amountCents % 100 !== 0) {
		return `Stripe charges ${code} in hundredths but only in whole units (a multiple of 100); got ${amountCents}`;
	}
	return null;
}
