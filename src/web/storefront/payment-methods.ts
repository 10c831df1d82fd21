// The simulated provider's test payment methods (docs/api.md, Checkout).
export const PAYMENT_METHODS = [
	{ id: "pm_card_visa", label: "Visa test card", hint: "succeeds" },
	{ id: "pm_card_chargeDeclined", label: "Declined card", hint: "is declined" },
	{ id: "pm_sim_timeout", label: "Slow provider", hint: "times out once, then succeeds on retry" },
	{ id: "pm_sim_error", label: "Failing provider", hint: "the provider fails every time" },
] as const;

export type PaymentMethodId = (typeof PAYMENT_METHODS)[number]["id"];
