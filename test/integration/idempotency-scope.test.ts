// What an Idempotency-Key on POST /api/reservations is scoped to (docs/api.md, Reservations;
// docs/decisions/067-split-trail-and-key-scope.md): the session, the SKU and the mode. A
// repeat on the same SKU answers the original whatever else changed in the body; the same
// key on another SKU (one object or split across shards), or in the other mode, is a new
// request. Pinned here so a change of that reading cannot pass unnoticed.

import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
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
});
