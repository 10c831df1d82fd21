// The test payment methods a buyer may choose (docs/api.md, Checkout), in a buyer's words: the
// method's id is what the page sends, never what it shows (docs/storefront.md, Checkout).
// Pure: unit-tested in test/unit/storefront-payment-methods.test.ts.

import type { UiConfig } from "../../shared/types.ts";

export const PAYMENT_METHODS = [
	{ id: "pm_card_visa", label: "Visa test card", hint: "succeeds" },
	{ id: "pm_card_chargeDeclined", label: "Declined card", hint: "is declined" },
	{ id: "pm_sim_timeout", label: "Slow provider", hint: "times out once, then succeeds on retry" },
	{ id: "pm_sim_error", label: "Failing provider", hint: "the provider fails every time" },
] as const;

export type PaymentMethodId = (typeof PAYMENT_METHODS)[number]["id"];
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * The methods the configured provider takes: the simulator understands all four; Stripe only its
 * own test PaymentMethods (`pm_card_visa`, `pm_card_chargeDeclined`), never the simulator's
 * `pm_sim_*`. Unknown (the config not read yet): the two every provider takes.
 */
export function methodsFor(provider: UiConfig["paymentProvider"] | null): readonly PaymentMethod[] {
	return provider === "simulated"
		? PAYMENT_METHODS
		: PAYMENT_METHODS.filter((m) => !m.id.startsWith("pm_sim_"));
}
