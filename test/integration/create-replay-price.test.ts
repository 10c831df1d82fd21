// The very same create of a product stored before its price was refused (stored under another
// provider, or before a rule existed) is still the documented 201 replay with the product as it
// is; only a create that would store something is refused for its price
// (docs/decisions/078-amount-bound-create-replay-and-a-gone-hold.md). Its checkouts stay refused
// before the hold is touched (decision 072).
import { describe, expect, it } from "vitest";
import { MAX_AMOUNT_CENTS } from "../../src/payment/provider.ts";
import { SIM_PAYMENT_METHODS } from "../../src/payment/simulated.ts";
import type { Product } from "../../src/shared/types.ts";
import { pay, reservation, reserve, stub } from "./checkout-support.ts";
import { ADMIN, call, newSession, uniqueSku } from "./helpers.ts";

describe("a repeated create of a product whose price is refused now", () => {
	it("answers 201 with the product as it is; another definition is 409; nothing is created", async () => {
		const sku = uniqueSku();
		const priceCents = MAX_AMOUNT_CENTS + 1;
		const definition = {
			sku,
			name: "Stored before the rule",
			priceCents,
			currency: "USD",
			totalStock: 5,
			holdSeconds: 120,
			perUserLimit: 2,
		};
		// Stored as an earlier server did, which took this price (the route refuses it now).
		const stored = await stub(sku).create({ ...definition, startsAtMs: null });
		expect(stored.ok).toBe(true);

		const again = await call<Product>("POST", "/api/admin/products", {
			token: ADMIN,
			body: definition,
		});
		expect(again.status, JSON.stringify(again.body)).toBe(201);
		expect(again.body.data).toMatchObject({ sku, priceCents, totalStock: 5 });

		const other = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...definition, name: "Another definition" },
		});
		expect(other.status, JSON.stringify(other.body)).toBe(409);
		expect(other.body.error?.code).toBe("already_exists");
		const read = await call<Product>("GET", `/api/products/${sku}`);
		expect(read.body.data?.name).toBe("Stored before the rule");

		// A new SKU with that price is still refused, and not created.
		const fresh = uniqueSku();
		const refused = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...definition, sku: fresh },
		});
		expect(refused.status, JSON.stringify(refused.body)).toBe(400);
		expect(refused.body.error?.message).toMatch(/^priceCents: /);
		expect((await call("GET", `/api/products/${fresh}`)).status).toBe(404);
		expect(await stub(fresh).product()).toBeNull();

		// The stored product's checkouts are refused before the hold is touched.
		const token = await newSession();
		const id = await reserve(token, sku, 1);
		const paid = await pay(token, id, SIM_PAYMENT_METHODS.succeeds);
		expect(paid.status, JSON.stringify(paid.body)).toBe(400);
		expect(paid.body.error?.message).toMatch(/^amount: 1 × priceCents 100000000 = 100000000 USD/);
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
	});
});
