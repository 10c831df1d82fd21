// KV (the session store) failing while buyers carry tokens this isolate has not cached. Where the
// session is optional (the cost ledger on every route, the reader of a product read) a failed
// lookup reads as no session: product and availability reads keep answering 200, as docs/api.md
// promises for storage outages. Where a session is required (reserve) it stays 503 unavailable,
// and the outage is not remembered as "unknown token": once KV answers again, the same token works.
// (src/worker/middleware/auth.ts optionalSession, docs/decisions/056-*.md.)
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import { callWith } from "./cost-support.ts";
import { createProduct } from "./helpers.ts";
import { freshIp } from "./ratelimit-support.ts";
import { sessionFromElsewhere } from "./session-store-support.ts";

const KV_DOWN = new Error("KV GET failed: 500 Internal Server Error");

/** The session store with every call failing, as the runtime's KV does in an outage. */
const kvDown = new Proxy(env.SESSIONS, {
	get(target, prop) {
		const value = Reflect.get(target, prop) as unknown;
		if (typeof value !== "function") return value;
		return () => Promise.reject(KV_DOWN);
	},
});

describe.each([
	{ limits: "off", up: {} },
	// With limits on, a product read also asks for the reader's session (the bot signals' prior read).
	{ limits: "on", up: { RATE_LIMITS: "on" } },
])("with KV down (rate limits $limits)", ({ up }) => {
	it("public reads that carry an uncached token answer 200; reserve answers 503 and works once KV is back", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const { token } = await sessionFromElsewhere();
		const down = { ...up, SESSIONS: kvDown } as never;
		const headers = { "cf-connecting-ip": freshIp() };

		const product = await callWith<{ sku: string }>(down, "GET", `/api/products/${sku}`, {
			token,
			headers,
		});
		expect(product.status, JSON.stringify(product.body)).toBe(200);
		expect(product.body.data?.sku).toBe(sku);
		const availability = await callWith<{ total: number }>(
			down,
			"GET",
			`/api/products/${sku}/availability`,
			{ token, headers },
		);
		expect(availability.status, JSON.stringify(availability.body)).toBe(200);
		expect(availability.body.data?.total).toBe(5);

		// A session is required here: without KV it cannot be known, so 503, never 401.
		const refused = await callWith(down, "POST", "/api/reservations", {
			token,
			headers,
			body: { sku },
		});
		expect(refused.status, JSON.stringify(refused.body)).toBe(503);
		expect(refused.body.error?.code).toBe("unavailable");
		expect(refused.headers.get("retry-after")).toBe(String(STORAGE_RETRY_AFTER_SECONDS));

		const held = await callWith(up, "POST", "/api/reservations", { token, headers, body: { sku } });
		expect(held.status, JSON.stringify(held.body)).toBe(201);
	});
});
