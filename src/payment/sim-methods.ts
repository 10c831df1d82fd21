// The payment methods the simulated provider understands (docs/api.md, "Checkout"), and the
// check that refuses any other before a charge (PaymentProvider.methodProblem;
// docs/checkout.md, "Payment methods"). Apart from the provider so its list reads on its own.

/** Test payment methods understood by the simulator (docs/api.md). */
export const SIM_PAYMENT_METHODS = {
	succeeds: "pm_card_visa",
	declined: "pm_card_chargeDeclined",
	timeoutThenSucceeds: "pm_sim_timeout",
	providerError: "pm_sim_error",
} as const;

const SIM_METHOD_IDS: ReadonlySet<string> = new Set(Object.values(SIM_PAYMENT_METHODS));

/** Why the simulator cannot take `paymentMethod` (PaymentProvider.methodProblem); null for its own. */
export function simMethodProblem(paymentMethod: string): string | null {
	if (SIM_METHOD_IDS.has(paymentMethod)) return null;
	const known = [...SIM_METHOD_IDS].join(", ");
	return `paymentMethod: the simulated payment provider understands ${known}; got ${JSON.stringify(paymentMethod)}.`;
}
