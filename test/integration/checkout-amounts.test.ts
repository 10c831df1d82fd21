// Amounts above the bound every payment provider has (src/payment/provider.ts MAX_AMOUNT_CENTS,
// Stripe's eight digits) with the simulated provider, the local default: refused when the price
// is set and before a checkout touches the hold, never the buyer's failed payment
// (docs/checkout.md, "Amounts"; docs/decisions/078-amount-bound-create-replay-and-a-gone-hold.md).
import { describe, expect, it } from "vitest";
import { MAX_FAILED_PAYMENTS_PER_HOLD } from "../../src/domain/checkout-policy.ts";
import { MAX_AMOUNT_CENTS } from "../../src/payment/provider.ts";
import { SIM_PAYMENT_METHODS } from "../../src/payment/simulated.ts";
import type { Order } from "../../src/shared/types.ts";
import {
	availability,
	pay,
	providerStats,
	reservation,
	reserve,
	trailOf,
} from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";

describe("amounts no provider charges, with the simulated provider", () => {
	it("a unit price above the bound is 400 naming priceCents at create and PATCH", async () => {
		const sku = uniqueSku();
		const created = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: {
				sku,
				name: "Too dear",
				priceCents: MAX_AMOUNT_CENTS + 1,
				currency: "USD",
				totalStock: 5,
			},
		});
		expect(created.status, JSON.stringify(created.body)).toBe(400);
		expect(created.body.error?.code).toBe("invalid_request");
		expect(created.body.error?.message).toContain("priceCents");
		expect((await call("GET", `/api/products/${sku}`)).status).toBe(404);

		const other = await createProduct({ priceCents: MAX_AMOUNT_CENTS });
		const patched = await call("PATCH", `/api/admin/products/${other}`, {
			token: ADMIN,
			body: { priceCents: MAX_AMOUNT_CENTS + 1 },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(400);
		expect(patched.body.error?.message).toContain("priceCents");
		const read = await call<{ priceCents: number }>("GET", `/api/products/${other}`);
		expect(read.body.data?.priceCents).toBe(MAX_AMOUNT_CENTS);
	});

	it("a hold whose price × quantity is above it is 400 at checkout, hold and key untouched", async () => {
		const sku = await createProduct({ priceCents: 60_000_000, totalStock: 5, perUserLimit: 2 });
		const token = await newSession();
		const id = await reserve(token, sku, 2);

		// More attempts than the hold's failed payments allow, the first under a key used again below.
		const attempts = MAX_FAILED_PAYMENTS_PER_HOLD + 1;
		for (let i = 0; i < attempts; i++) {
			const res = await pay(
				token,
				id,
				SIM_PAYMENT_METHODS.succeeds,
				i === 0 ? "key-0" : `key-${i}`,
			);
			expect(res.status, JSON.stringify(res.body)).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(
				/^amount: 2 × priceCents 60000000 = 120000000 USD minor units \(1,200,000\.00 USD\), which the payment provider cannot charge/,
			);
		}
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 3, reserved: 2, sold: 0 });
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 0, captures: 0 });
		expect(await trailOf(sku, id)).toEqual(["reservation.created"]);

		// A hold of one unit is within the bound and pays.
		const buyer = await newSession();
		const one = await reserve(buyer, sku, 1);
		const paid = await pay(buyer, one, SIM_PAYMENT_METHODS.succeeds);
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		expect(paid.body.data as Order).toMatchObject({ status: "PAID", quantity: 1 });
	});
});
