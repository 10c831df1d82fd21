// A payment method the simulated provider does not understand (docs/checkout.md, "Payment
// methods"): 400 `invalid_request` naming the methods it does, before the hold or the key is
// touched, so a typo is not one of the hold's failed payments.
import { describe, expect, it } from "vitest";
import { MAX_FAILED_PAYMENTS_PER_HOLD } from "../../src/domain/checkout-policy.ts";
import { SIM_PAYMENT_METHODS } from "../../src/payment/simulated.ts";
import type { Order, PaymentFailure } from "../../src/shared/types.ts";
import {
	availability,
	pay,
	providerStats,
	reservation,
	reserve,
	trailOf,
} from "./checkout-support.ts";
import { createProduct, newSession } from "./helpers.ts";

describe("checkout with a payment method the simulated provider does not understand", () => {
	it("is 400 naming the methods, changes nothing, and the same key then pays", async () => {
		const sku = await createProduct({ totalStock: 3, perUserLimit: 2 });
		const token = await newSession();
		const id = await reserve(token, sku, 2);

		// More typos than the hold's failed payments allow, the first under the key that pays later.
		const typos = ["pm_card_vsia", "bogus_method", "pm_card_visa,pm_sim_error", "PM_CARD_VISA"];
		expect(typos.length).toBeGreaterThan(MAX_FAILED_PAYMENTS_PER_HOLD);
		for (const [i, method] of typos.entries()) {
			const res = await pay(token, id, method, i === 0 ? "pay-key" : `typo-${i}`);
			expect(res.status, method).toBe(400);
			expect(res.body.error?.code, method).toBe("invalid_request");
			expect(res.body.error?.message, method).toContain("paymentMethod");
			expect(res.body.error?.message, method).toContain(JSON.stringify(method));
			for (const known of Object.values(SIM_PAYMENT_METHODS)) {
				expect(res.body.error?.message, method).toContain(known);
			}
		}
		// Nothing changed: the hold, its units, the provider, the trail.
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 2, sold: 0 });
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 0, captures: 0 });
		expect(await trailOf(sku, id)).toEqual(["reservation.created"]);

		// The hold's failure allowance is whole: a real decline is its first failed payment.
		const declined = await pay(token, id, SIM_PAYMENT_METHODS.declined, "decline-key");
		expect(declined.status).toBe(402);
		expect(
			(declined.body.error as { payment?: PaymentFailure } | undefined)?.payment,
		).toMatchObject({
			failedPayments: 1,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
			holdKept: true,
		});

		// The key first sent with a typo was not spent: it pays now.
		const paid = await pay(token, id, SIM_PAYMENT_METHODS.succeeds, "pay-key");
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		expect(paid.body.data as Order).toMatchObject({
			reservationId: id,
			status: "PAID",
			quantity: 2,
		});
		expect(await providerStats(sku)).toMatchObject({ captures: 1 });
	});
});
