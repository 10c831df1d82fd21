// The amount bound every provider has, asked after the provider's own rules
// (src/payment/provider.ts chargeableAmountProblem; docs/decisions/078-amount-bound-create-replay-and-a-gone-hold.md).
import { describe, expect, it } from "vitest";
import {
	chargeableAmountProblem,
	MAX_AMOUNT_CENTS,
	SimulatedProvider,
	StripeProvider,
	validateChargeRequest,
} from "../../src/payment/index.ts";

const simulated = new SimulatedProvider();
const stripe = new StripeProvider({ secretKey: "sk_test_bound", apiBase: "http://127.0.0.1:9" });

describe("chargeableAmountProblem", () => {
	it("refuses above the bound with the simulated provider, as its charge would", () => {
		expect(chargeableAmountProblem(simulated, MAX_AMOUNT_CENTS, "USD")).toBeNull();
		expect(chargeableAmountProblem(simulated, 1, "KWD")).toBeNull();
		expect(chargeableAmountProblem(simulated, 0, "USD")).toBeNull();
		const over = chargeableAmountProblem(simulated, MAX_AMOUNT_CENTS + 1, "USD");
		expect(over).toMatch(/more than 99999999 .*got 100000000/);
		// The charge itself refuses the same amount: the check says no more than the provider does.
		const charge = {
			amountCents: MAX_AMOUNT_CENTS + 1,
			currency: "USD",
			paymentMethod: "pm_card_visa",
			idempotencyKey: crypto.randomUUID(),
		};
		expect(validateChargeRequest(charge)).not.toBeNull();
		expect(validateChargeRequest({ ...charge, amountCents: MAX_AMOUNT_CENTS })).toBeNull();
	});

	it("asks the provider's own rules first (Stripe's words)", () => {
		expect(chargeableAmountProblem(stripe, MAX_AMOUNT_CENTS + 1, "USD")).toMatch(
			/^Stripe charges at most/,
		);
		expect(chargeableAmountProblem(stripe, 25, "USD")).toMatch(/at least 50/);
		expect(chargeableAmountProblem(stripe, 0, "USD")).toBeNull();
	});
});
