// What an Idempotency-Key on POST /api/reservations is scoped to (docs/api.md, Reservations;
// docs/decisions/067-split-trail-and-key-scope.md): the session, the SKU and the mode. A
// repeat on the same SKU answers the original whatever else changed in the body; the same
// key on another SKU (one object or split across shards), or in the other mode, is a new
// request. A checkout's key is scoped to the session and the SKU too (docs/api.md, "Checkout
// after a failed payment"; docs/decisions/085-catalogue-pages-and-contract-leftovers.md).
// Pinned here so a change of that reading cannot pass unnoticed.

import { describe, expect, it } from "vitest";
import type { Order, Reservation } from "../../src/shared/types.ts";
import { call, createProduct, newSession, stats } from "./helpers.ts";
import { createSharded } from "./shards-support.ts";

function reserve(token: string, key: string, body: Record<string, unknown>) {
	return call<Reservation>("POST", "/api/reservations", {
		token,
		headers: { "idempotency-key": key },
		body,
	});
}

describe("an Idempotency-Key's scope", () => {
	it("is the session and the SKU: another SKU is a new hold, the same SKU the original", async () => {
		const first = await createProduct({ totalStock: 10, perUserLimit: 5 });
		const other = await createProduct({ totalStock: 10, perUserLimit: 5 });
		const split = await createSharded(10, 4, 5);
		const token = await newSession();
		const key = "scope-key-1";

		const original = await reserve(token, key, { sku: first, quantity: 1 });
		expect(original.status).toBe(201);
		const holdId = original.body.data?.reservationId;

		// Same session, SKU and key, another quantity: the original answer, no second hold.
		const repeat = await reserve(token, key, { sku: first, quantity: 2 });
		expect(repeat.status).toBe(201);
		expect(repeat.body.data).toMatchObject({ reservationId: holdId, sku: first, quantity: 1 });
		expect((await stats(first)).reserved).toBe(1);

		// The same key on another SKU is a new request there: a separate hold.
		for (const sku of [other, split]) {
			const elsewhere = await reserve(token, key, { sku, quantity: 2 });
			expect(elsewhere.status).toBe(201);
			expect(elsewhere.body.data?.sku).toBe(sku);
			expect(elsewhere.body.data?.reservationId).not.toBe(holdId);
			expect(elsewhere.body.data?.quantity).toBe(2);
			// ...which that SKU then replays as its own original.
			const again = await reserve(token, key, { sku, quantity: 1 });
			expect(again.body.data?.reservationId).toBe(elsewhere.body.data?.reservationId);
			expect((await stats(sku)).reserved).toBe(2);
		}
		expect((await stats(first)).reserved).toBe(1);
	});

	it("is the mode too: eventual mode replays its own allocations by key, not the safe hold", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 5 });
		const token = await newSession();
		const key = "scope-key-2";
		const safe = await reserve(token, key, { sku });
		expect(safe.status).toBe(201);

		const eventual = await reserve(token, key, { sku, mode: "eventual" });
		expect(eventual.status).toBe(201);
		expect(eventual.body.data?.reservationId).not.toBe(safe.body.data?.reservationId);
		expect(eventual.body.data?.reservationId).toMatch(/^eventual_/);
		const eventualAgain = await reserve(token, key, { sku, quantity: 3, mode: "eventual" });
		expect(eventualAgain.body.data).toMatchObject({
			reservationId: eventual.body.data?.reservationId,
			quantity: 1,
		});

		const safeAgain = await reserve(token, key, { sku, quantity: 2 });
		expect(safeAgain.body.data).toMatchObject({
			reservationId: safe.body.data?.reservationId,
			quantity: 1,
		});
		const s = await stats(sku);
		expect(s.reserved).toBe(1);
		expect(s.eventual?.allocated).toBe(1);
	});

	it("of a checkout is the session and the SKU: another hold of the SKU is refused, another SKU's pays", async () => {
		const first = await createProduct({ totalStock: 10, perUserLimit: 5, priceCents: 1000 });
		const other = await createProduct({ totalStock: 10, perUserLimit: 5, priceCents: 2500 });
		const split = await createSharded(10, 4, 5);
		const token = await newSession();
		const hold = async (sku: string) => {
			const res = await call<Reservation>("POST", "/api/reservations", { token, body: { sku } });
			expect(res.status).toBe(201);
			return res.body.data?.reservationId as string;
		};
		const pay = (reservationId: string, key: string) =>
			call<Order>("POST", "/api/checkout", {
				token,
				headers: { "idempotency-key": key },
				body: { reservationId, paymentMethod: "pm_card_visa" },
			});

		for (const [sku, elsewhere] of [
			[first, other],
			[split, first],
		] as const) {
			const key = `checkout-scope-${crypto.randomUUID()}`;
			const [paid, sameSku, otherSku] = [await hold(sku), await hold(sku), await hold(elsewhere)];
			const order = await pay(paid, key);
			expect(order.status).toBe(200);
			expect(order.body.data).toMatchObject({ reservationId: paid, sku, status: "PAID" });

			// The same key on another hold of the same SKU: refused, nothing charged.
			const refused = await pay(sameSku, key);
			expect(refused.status).toBe(400);
			expect(refused.body.error?.message).toContain("another reservation");

			// On another SKU's hold it is a new checkout there: that hold's own order and amount.
			const there = await pay(otherSku, key);
			expect(there.status).toBe(200);
			expect(there.body.data).toMatchObject({ reservationId: otherSku, sku: elsewhere });
			expect(there.body.data?.orderId).not.toBe(order.body.data?.orderId);
			// ...which each SKU then replays as its own.
			expect((await pay(otherSku, key)).body.data).toEqual(there.body.data);
			expect((await pay(paid, key)).body.data).toEqual(order.body.data);
			const read = await call<Reservation>("GET", `/api/reservations/${sameSku}`, { token });
			expect(read.body.data?.status).toBe("RESERVED");
		}
		expect((await stats(first)).sold).toBe(2);
		expect((await stats(other)).sold).toBe(1);
		expect((await stats(split)).sold).toBe(1);
	});
});
