// The payment methods a buyer reads (src/web/storefront/payment-methods.ts): in words, never an
// API id, and only those the configured provider takes.
import { describe, expect, it } from "vitest";
import { methodsFor, PAYMENT_METHODS } from "../../src/web/storefront/payment-methods.ts";

describe("storefront payment methods", () => {
	it("shows no developer code in what a buyer reads", () => {
		for (const m of PAYMENT_METHODS) {
			expect(`${m.label} (${m.hint})`).not.toMatch(/pm_|[a-z]+_[a-z_]+/);
		}
	});

	it("offers the simulator's four methods under it, and only Stripe's own test methods under Stripe", () => {
		expect(methodsFor("simulated").map((m) => m.id)).toEqual([
			"pm_card_visa",
			"pm_card_chargeDeclined",
			"pm_sim_timeout",
			"pm_sim_error",
		]);
		expect(methodsFor("stripe").map((m) => m.id)).toEqual([
			"pm_card_visa",
			"pm_card_chargeDeclined",
		]);
		// Not known yet: only what every provider takes.
		expect(methodsFor(null).map((m) => m.id)).toEqual(["pm_card_visa", "pm_card_chargeDeclined"]);
	});
});
