// Which payment method ids a provider refuses before any call (PaymentProvider.methodProblem):
// the simulated provider's set is fixed (docs/api.md, "Checkout"), so any other id is bad
// input; Stripe judges every id itself when charged (docs/checkout.md, "Payment methods").

import { describe, expect, it } from "vitest";
import { type PaymentProvider, paymentMethodProblem } from "../../src/payment/index.ts";
import {
	SIM_PAYMENT_METHODS,
	SimulatedProvider,
	simMethodProblem,
} from "../../src/payment/simulated.ts";
import { StripeProvider } from "../../src/payment/stripe.ts";

const SIMULATED = { provider: "simulated", simLatencyMs: 0 } as const;
const STRIPE = { provider: "stripe", secretKey: "sk_test_x", apiBase: undefined } as const;

describe("the simulated provider's method check", () => {
	it("takes each method it understands", () => {
		const provider = new SimulatedProvider();
		for (const method of Object.values(SIM_PAYMENT_METHODS)) {
			expect(provider.methodProblem(method), method).toBeNull();
			expect(paymentMethodProblem(SIMULATED, method), method).toBeNull();
		}
	});

	it("refuses any other id, naming every method it understands and the id it got", () => {
		for (const method of ["pm_card_mystery", "bogus_method", "PM_CARD_VISA", "pm_card_visa ", ""]) {
			const problem = simMethodProblem(method);
			expect(problem, method).not.toBeNull();
			expect(problem, method).toMatch(/^paymentMethod: /);
			for (const known of Object.values(SIM_PAYMENT_METHODS)) expect(problem).toContain(known);
			expect(problem).toContain(JSON.stringify(method));
			expect(new SimulatedProvider().methodProblem(method)).toBe(problem);
			expect(paymentMethodProblem(SIMULATED, method)).toBe(problem);
		}
	});
});

describe("Stripe's methods", () => {
	it("are Stripe's to judge: no check before the charge", () => {
		const provider: PaymentProvider = new StripeProvider({ secretKey: "sk_test_x" });
		expect(provider.methodProblem).toBeUndefined();
		for (const method of ["pm_card_visa", "pm_1Nxyz", "bogus_method"]) {
			expect(paymentMethodProblem(STRIPE, method), method).toBeNull();
		}
	});
});
