// D1 and KV failing on every call: each route answers 503 `unavailable` with a
// Retry-After, never 500, and the hot path (availability, reserve) keeps working
// because it needs neither (src/worker/storage-errors.ts).
//
// The bindings here refuse every call, reads included: a regional D1 or KV
// outage cannot be produced locally (a lock on the local D1 file fails writes
// only; test/node/d1-outage.test.ts does that against a real server).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import { callWith } from "./cost-support.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku, unseenProduct } from "./helpers.ts";

const D1_DOWN = new Error("D1_ERROR: Network connection lost.");
const KV_DOWN = new Error("KV GET failed: 500 Internal Server Error");

/** Every method of the binding, and of what it returns, fails the way the runtime's do. */
function refusing<T extends object>(binding: T, outage: Error): T {
	return new Proxy(binding, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			if (prop === "prepare") {
				// Statements are made; running them fails, as D1 does when it cannot be reached.
				return () =>
					new Proxy(
						{},
						{
							get: (_t, p) =>
								p === "bind"
									? function bind(this: unknown) {
											return this;
										}
									: () => Promise.reject(outage),
						},
					);
			}
			return () => Promise.reject(outage);
		},
	});
}

const down = {
	DB: refusing(env.DB, D1_DOWN),
	SESSIONS: refusing(env.SESSIONS, KV_DOWN),
} as never;

function expectUnavailable(res: Awaited<ReturnType<typeof callWith>>, what: string): void {
	expect(res.status, what).toBe(503);
	expect(res.body.error?.code, what).toBe("unavailable");
	expect(res.headers.get("retry-after"), what).toBe(String(STORAGE_RETRY_AFTER_SECONDS));
}

describe("with D1 and KV down", () => {
	it("routes that need them answer 503 unavailable with Retry-After", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();

		expectUnavailable(await callWith(down, "GET", "/api/products"), "catalogue list");
		expectUnavailable(
			await callWith(down, "GET", `/api/admin/products/${sku}/events`, { token: ADMIN }),
			"events",
		);
		expectUnavailable(
			await callWith(down, "POST", "/api/reservations", {
				token,
				body: { sku, mode: "eventual" },
			}),
			"eventual mode",
		);
		expectUnavailable(
			await callWith(down, "POST", "/api/sessions", {
				body: { turnstileToken: "test-debug-token" },
			}),
			"session creation",
		);
		expectUnavailable(
			await callWith(down, "POST", "/api/admin/sessions", { token: ADMIN, body: { count: 2 } }),
			"load-test sessions",
		);
	});

	it("stats answer the object's figures, with eventual mode's D1 count as null", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 2 });
		const token = await newSession();
		expect(
			(await callWith(down, "POST", "/api/reservations", { token, body: { sku, quantity: 2 } }))
				.status,
		).toBe(201);
		// docs/api.md, "D1 and KV outages": everything but the demo's eventual figure is the object's.
		const stats = await callWith<{
			total: number;
			available: number;
			reserved: number;
			oversellCount: number;
			eventual: unknown;
		}>(down, "GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
		expect(stats.status).toBe(200);
		expect(stats.body.data).toMatchObject({
			total: 5,
			available: 3,
			reserved: 2,
			oversellCount: 0,
			eventual: null,
		});
		// With D1 up the same route counts eventual mode's allocations, as before.
		const up = await call<{ eventual: unknown }>("GET", `/api/admin/products/${sku}/stats`, {
			token: ADMIN,
		});
		expect(up.body.data?.eventual).toEqual({ allocated: 0, oversellDelta: 0 });
	});

	it("reserve, availability and create keep working", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect((await callWith(down, "GET", `/api/products/${sku}/availability`)).status).toBe(200);
		expect((await callWith(down, "GET", `/api/products/${sku}`)).status).toBe(200);
		const hold = await callWith(down, "POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status).toBe(201);

		// The object stores the product; the catalogue row follows through its outbox.
		const created = await callWith(down, "POST", "/api/admin/products", {
			token: ADMIN,
			body: { sku: uniqueSku("DOWN"), name: "x", priceCents: 1, currency: "USD", totalStock: 1 },
		});
		expect(created.status).toBe(201);
	});

	it("a SKU this isolate has not seen reaches its object; an unknown one is still 404", async () => {
		// Created on the object directly: neither this isolate's cache nor D1 (as the edge sees it) knows it.
		const sku = await unseenProduct();
		expect((await callWith(down, "GET", `/api/products/${sku}/availability`)).status).toBe(200);
		const unknown = await callWith(down, "GET", `/api/products/${uniqueSku("NOPE")}/availability`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error?.code).toBe("unknown_sku");
	});
});
