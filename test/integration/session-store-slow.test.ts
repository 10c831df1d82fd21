// KV (the session store) slow: a call that never answers. Every KV call on a request's path is
// bounded (src/worker/storage-errors.ts KV_DEADLINE_MS): where the session is optional (the cost
// ledger on every route, the reader of a product read) the request goes on without it after
// OPTIONAL_SESSION_WAIT_MS (src/worker/middleware/auth.ts optionalSession), so product and
// availability reads answer 200; where it is needed (reserve, session creation) the answer is the
// documented 503 `unavailable` with Retry-After, never an open-ended wait
// (docs/decisions/094-a-slow-session-store.md).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CostLedger } from "../../src/shared/types.ts";
import { app } from "../../src/worker/app.ts";
import { OPTIONAL_SESSION_WAIT_MS } from "../../src/worker/middleware/auth.ts";
import { KV_DEADLINE_MS, STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import { callWith } from "./cost-support.ts";
import { createProduct } from "./helpers.ts";
import { unlessHung } from "./hung.ts";
import { freshIp } from "./ratelimit-support.ts";
import { sessionFromElsewhere, slowKv } from "./session-store-support.ts";

describe.each([
	{ limits: "off", up: {} },
	// With limits on, a product read also asks for the reader's session (the bot signals' prior read).
	{ limits: "on", up: { RATE_LIMITS: "on" } },
])("with KV never answering (rate limits $limits)", ({ up }) => {
	it("reads answer 200 without the session; reserve and session creation answer 503 with Retry-After", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const { token } = await sessionFromElsewhere();
		const hung = slowKv(null);
		const slow = { ...up, SESSIONS: hung.kv } as never;
		const headers = { "cf-connecting-ip": freshIp() };

		const product = await unlessHung(
			"product read",
			callWith<{ sku: string }>(slow, "GET", `/api/products/${sku}`, { token, headers }),
		);
		expect(product.status, JSON.stringify(product.body)).toBe(200);
		expect(product.body.data?.sku).toBe(sku);
		const availability = await unlessHung(
			"availability",
			callWith<{ total: number }>(slow, "GET", `/api/products/${sku}/availability`, {
				token,
				headers,
			}),
		);
		expect(availability.status, JSON.stringify(availability.body)).toBe(200);
		expect(availability.body.data?.total).toBe(5);

		const refused = await unlessHung(
			"reserve",
			callWith(slow, "POST", "/api/reservations", { token, headers, body: { sku } }),
		);
		expect(refused.status, JSON.stringify(refused.body)).toBe(503);
		expect(refused.body.error?.code).toBe("unavailable");
		expect(refused.headers.get("retry-after")).toBe(String(STORAGE_RETRY_AFTER_SECONDS));
		// One read per request: the route that needs the session joined the read the cost ledger
		// stopped waiting for, rather than starting a second deadline.
		expect(hung.calls).toEqual(["get", "get", "get"]);

		// The session's KV write never lands: no token is handed out for a session not stored.
		const created = await unlessHung(
			"session creation",
			callWith(slow, "POST", "/api/sessions", {
				headers: { "cf-connecting-ip": freshIp() },
				body: { turnstileToken: "test-debug-token" },
			}),
		);
		expect(created.status, JSON.stringify(created.body)).toBe(503);
		expect(created.body.error?.code).toBe("unavailable");
		expect(created.headers.get("retry-after")).toBe(String(STORAGE_RETRY_AFTER_SECONDS));

		// Once KV answers, the same token works: nothing of the slow spell was remembered.
		const held = await callWith(up, "POST", "/api/reservations", { token, headers, body: { sku } });
		expect(held.status, JSON.stringify(held.body)).toBe(201);
	});
});

describe("with KV slower than the optional wait", () => {
	it("a read goes on without the session, and the late answer is kept for the token's next request", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const { token } = await sessionFromElsewhere();
		// Past the optional wait, within the deadline: a slow read, not a failed one.
		const slower = slowKv(
			OPTIONAL_SESSION_WAIT_MS + (KV_DEADLINE_MS - OPTIONAL_SESSION_WAIT_MS) / 2,
		);
		const headers = { authorization: `Bearer ${token}`, "cf-connecting-ip": freshIp() };
		const read = async (path: string) => {
			const ctx = createExecutionContext();
			const res = await unlessHung(
				path,
				Promise.resolve(
					app.fetch(
						new Request(`http://rg.test${path}`, { headers }),
						{ ...env, SESSIONS: slower.kv },
						ctx,
					),
				),
			);
			await unlessHung(`${path} (after the answer)`, waitOnExecutionContext(ctx));
			return { status: res.status, body: (await res.json()) as { meta?: { cost?: CostLedger } } };
		};

		const first = await read(`/api/products/${sku}/availability`);
		expect(first.status).toBe(200);
		// Metered as a request without a session: the session was not known in time.
		expect(first.body.meta?.cost?.scope).toBe("request");
		expect(slower.calls).toEqual(["get"]);

		const second = await read(`/api/products/${sku}/availability`);
		expect(second.status).toBe(200);
		expect(second.body.meta?.cost?.scope).toBe("session");
		// Known from this isolate's cache, filled by the first request's late answer.
		expect(slower.calls).toEqual(["get"]);
	});
});
