// Which price a hold pays (docs/checkout.md, "Which price a hold pays";
// docs/decisions/089-prices-operator-budget-and-production-guards.md): the price and currency
// the product had when the hold was taken, shown on the Reservation and charged at checkout,
// whatever the operator PATCHes in between. Holds taken after the change pay the new price.
// One object and a split SKU (each shard keeps its holds' prices).
import { describe, expect, it } from "vitest";
import { SIM_PAYMENT_METHODS } from "../../src/payment/simulated.ts";
import type { Order, Product, Reservation } from "../../src/shared/types.ts";
import { d1Orders, events, pay, reservation } from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";
import { createSharded, newShardBuyer } from "./shards-support.ts";

async function hold(token: string, sku: string, quantity = 1): Promise<Reservation> {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

async function reprice(sku: string, priceCents: number, currency: string): Promise<void> {
	const res = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
		token: ADMIN,
		body: { priceCents, currency },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	expect(res.body.data).toMatchObject({ priceCents, currency });
}

async function paid(token: string, reservationId: string): Promise<Order> {
	const res = await pay(token, reservationId, SIM_PAYMENT_METHODS.succeeds);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as Order;
}

describe("a hold pays the price it was taken at", () => {
	it("one object: reserved at $19.99, repriced to €50.00, charged $19.99 × 2; a new hold pays €50.00", async () => {
		const sku = await createProduct({ priceCents: 1999, totalStock: 5, perUserLimit: 2 });
		const early = await newSession();
		const before = await hold(early, sku, 2);
		expect(before).toMatchObject({ priceCents: 1999, currency: "USD" });

		await reprice(sku, 5000, "EUR");
		// The hold still says what it will be charged.
		expect(await reservation(early, before.reservationId)).toMatchObject({
			priceCents: 1999,
			currency: "USD",
		});
		const order = await paid(early, before.reservationId);
		expect(order).toMatchObject({ amountCents: 2 * 1999, currency: "USD", quantity: 2 });
		// The order as read back, and the permanent record, say the same.
		const read = await call<Order>("GET", `/api/orders/${order.orderId}`, { token: early });
		expect(read.body.data).toMatchObject({ amountCents: 3998, currency: "USD" });
		await events(sku);
		const rows = await d1Orders(sku);
		expect(rows.map((r) => [r.amount_cents, r.currency])).toEqual([[3998, "USD"]]);

		const late = await newSession();
		const after = await hold(late, sku, 1);
		expect(after).toMatchObject({ priceCents: 5000, currency: "EUR" });
		expect(await paid(late, after.reservationId)).toMatchObject({
			amountCents: 5000,
			currency: "EUR",
		});
	});

	it("a split SKU: every shard's hold keeps its price through the PATCH", async () => {
		const sku = await createSharded(12, 3, 2);
		const buyers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => newShardBuyer(3)));
		const holds = await Promise.all(buyers.map((b) => hold(b.token, sku)));
		for (const h of holds) expect(h).toMatchObject({ priceCents: 1000, currency: "USD" });
		expect(new Set(buyers.map((b) => b.shard)).size).toBeGreaterThan(1);

		await reprice(sku, 2500, "GBP");
		const orders = await Promise.all(
			buyers.map((b, i) => paid(b.token, holds[i]?.reservationId ?? "")),
		);
		for (const o of orders) expect(o).toMatchObject({ amountCents: 1000, currency: "USD" });
		const next = await newShardBuyer(3);
		expect(await hold(next.token, sku)).toMatchObject({ priceCents: 2500, currency: "GBP" });
	});
});
