// The catalogue as a projection of the SKU objects, and the edge's SKU check
// built on it (src/worker/catalogue.ts, docs/decisions/007-cold-path-d1-outages.md):
// a create is safe to retry, the D1 row follows the object, and an unknown SKU
// is refused on every route before any object is reached.
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import {
	CATALOGUE_NEGATIVE_TTL_MS,
	lookupSku,
	recordInCatalogue,
} from "../../src/worker/catalogue.ts";
import { guardStorage } from "../../src/worker/storage-errors.ts";
import { costOf } from "./cost-support.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";

const BODY = { name: "Retry drop", priceCents: 1500, currency: "USD", totalStock: 5 };

async function catalogueRow(sku: string) {
	return env.DB.prepare("SELECT sku, name, listed FROM products WHERE sku = ?")
		.bind(sku)
		.first<{ sku: string; name: string; listed: number }>();
}

/** The real D1 binding, counting the statements prepared on it. */
function countingD1(): { db: D1Database; prepared: () => number } {
	let n = 0;
	const db = new Proxy(env.DB, {
		get(target, prop) {
			if (prop === "prepare") {
				return (query: string) => {
					n += 1;
					return target.prepare(query);
				};
			}
			const value = Reflect.get(target, prop) as unknown;
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { db, prepared: () => n };
}

describe("create", () => {
	it("is safe to retry: the same definition answers 201 and the product again, another one 409", async () => {
		const sku = uniqueSku("RETRY");
		const first = await call<Product>("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...BODY, sku },
		});
		expect(first.status).toBe(201);
		const token = await newSession();
		expect(
			(await call("POST", "/api/reservations", { token, body: { sku, quantity: 2 } })).status,
		).toBe(201);

		const retry = await call<Product>("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...BODY, sku },
		});
		expect(retry.status).toBe(201);
		// The product as it is now, not a second one: the hold taken in between is still there.
		expect(retry.body.data).toMatchObject({ sku, totalStock: 5, availability: { reserved: 2 } });

		const other = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...BODY, sku, totalStock: 6 },
		});
		expect(other.status).toBe(409);
		expect(other.body.error?.code).toBe("already_exists");
		expect(other.body.error?.message).toContain(sku);

		const list = await call<{ products: Product[] }>("GET", "/api/products");
		expect(list.body.data?.products.filter((p) => p.sku === sku)).toHaveLength(1);
	});

	it("writes the catalogue row before answering; a new name reaches it through the outbox", async () => {
		const sku = await createProduct();
		expect(await catalogueRow(sku)).toEqual({ sku, name: "Test drop", listed: 1 });
		const patched = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { name: "Renamed in the object" },
		});
		expect(patched.status).toBe(200);
		// The events page flushes the outbox first, projections included.
		expect((await call("GET", `/api/admin/products/${sku}/events`, { token: ADMIN })).status).toBe(
			200,
		);
		expect((await catalogueRow(sku))?.name).toBe("Renamed in the object");
	});

	it("keeps a sandbox out of the list but known at the edge", async () => {
		const token = await newSession();
		const sandbox = await call<Product>("POST", "/api/demo/sandbox", { token });
		const sku = sandbox.body.data?.sku ?? "";
		expect(await catalogueRow(sku)).toMatchObject({ sku, listed: 0 });
		expect(await lookupSku(env.DB, sku)).toBe("known");
		const list = await call<{ products: Product[] }>("GET", "/api/products");
		expect(list.body.data?.products.some((p) => p.sku === sku)).toBe(false);
		const buyer = await newSession();
		expect((await call("POST", "/api/reservations", { token: buyer, body: { sku } })).status).toBe(
			201,
		);
	});
});

describe("unknown SKUs at the edge", () => {
	it("are refused on every route without reaching an object", async () => {
		const token = await newSession();
		const before = new Set((await listDurableObjectIds(env.INVENTORY)).map(String));
		const skus: string[] = [];
		for (let i = 0; i < 3; i++) {
			const sku = uniqueSku("NOPE");
			skus.push(sku);
			const requests: [string, string, Parameters<typeof call>[2]][] = [
				["GET", `/api/products/${sku}`, {}],
				["GET", `/api/products/${sku}/availability`, {}],
				["GET", `/api/products/${sku}/live`, { headers: { upgrade: "websocket" } }],
				["POST", "/api/reservations", { token, body: { sku } }],
				["POST", "/api/reservations", { token, body: { sku, mode: "eventual" } }],
				[
					"POST",
					"/api/reservations",
					{ token, body: { sku }, headers: { "idempotency-key": `k-${i}` } },
				],
				["GET", `/api/reservations/rsv_00~${sku}`, { token }],
				["DELETE", `/api/reservations/rsv_00~${sku}`, { token }],
				[
					"POST",
					"/api/checkout",
					{
						token,
						body: { reservationId: `rsv_00~${sku}`, paymentMethod: "pm_card_visa" },
						headers: { "idempotency-key": `c-${i}` },
					},
				],
				["GET", `/api/orders/ord_00~${sku}`, { token }],
				["PATCH", `/api/admin/products/${sku}`, { token: ADMIN, body: { name: "x" } }],
				["POST", `/api/admin/products/${sku}/reset`, { token: ADMIN }],
				["GET", `/api/admin/products/${sku}/events`, { token: ADMIN }],
				["GET", `/api/admin/products/${sku}/stats`, { token: ADMIN }],
				["GET", `/api/admin/products/${sku}/metrics`, { token: ADMIN }],
			];
			for (const [method, path, options] of requests) {
				const res = await call(method, path, options);
				expect(res.status, `${method} ${path}`).toBe(404);
				expect(["unknown_sku", "not_found"]).toContain(res.body.error?.code);
				// No object request on the request's bill.
				expect(costOf(res).usage.doRequests, `${method} ${path}`).toBe(0);
			}
		}
		const after = (await listDurableObjectIds(env.INVENTORY)).map(String);
		const asked = new Set(skus.map((sku) => env.INVENTORY.idFromName(sku).toString()));
		expect(after.filter((id) => !before.has(id) && asked.has(id))).toEqual([]);
	});

	it("a known SKU costs no D1 query; an unknown one is asked again only after the negative window", async () => {
		const sku = await createProduct();
		// The create remembered it: the hot path reads no D1 row for it.
		const token = await newSession();
		for (const res of [
			await call("GET", `/api/products/${sku}/availability`),
			await call("POST", "/api/reservations", { token, body: { sku } }),
			await call("GET", `/api/products/${sku}`),
		]) {
			expect(res.status).toBeLessThan(300);
			expect(costOf(res).usage.d1RowsRead).toBe(0);
		}

		// Seen in D1 once (as another isolate would), then answered from memory.
		const elsewhere = uniqueSku("ELSEWHERE");
		await env.DB.prepare(
			"INSERT INTO products (sku, name, created_at, listed) VALUES (?, 'x', '2026-01-01T00:00:00.000Z', 1)",
		)
			.bind(elsewhere)
			.run();
		const { db, prepared } = countingD1();
		expect(await lookupSku(db, elsewhere)).toBe("known");
		expect(await lookupSku(db, elsewhere)).toBe("known");
		expect(prepared()).toBe(1);

		const missing = uniqueSku("MISSING");
		const t0 = 1_000_000;
		expect(await lookupSku(db, missing, t0)).toBe("unknown");
		expect(await lookupSku(db, missing, t0 + CATALOGUE_NEGATIVE_TTL_MS - 1)).toBe("unknown");
		expect(prepared()).toBe(2);
		expect(await lookupSku(db, missing, t0 + CATALOGUE_NEGATIVE_TTL_MS)).toBe("unknown");
		expect(prepared()).toBe(3);
		// A create through this isolate ends the negative answer at once.
		await recordInCatalogue(db, { sku: missing, name: "late" }, true);
		expect(await lookupSku(db, missing, t0 + CATALOGUE_NEGATIVE_TTL_MS)).toBe("known");
	});

	it("lets the SKU through to its object when D1 cannot answer", async () => {
		const failing = guardStorage({
			...env,
			DB: new Proxy(env.DB, {
				get(target, prop) {
					if (prop === "prepare") {
						return () => {
							throw new Error("D1_ERROR: database is locked: SQLITE_BUSY");
						};
					}
					return Reflect.get(target, prop);
				},
			}),
		} as typeof env);
		expect(await lookupSku(failing.DB, uniqueSku("DOWN"))).toBe("unreachable");
	});
});
