// The cost ledger: every JSON response, success or error, carries meta.cost
// and meta.guardrail; the request's cost is its usage priced by the one table;
// a session's running total is the sum of the request costs its responses report.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { costUsd, PRICES_AS_OF } from "../../src/domain/pricing.ts";
import { ledgerGroupName, ledgerGroupOf } from "../../src/worker/cost/ledger-groups.ts";
import { callWith, costOf, guardrailOf, sessionWith } from "./cost-support.ts";
import { ADMIN, type ApiResponse, call, createProduct, newSession } from "./helpers.ts";

function expectLedger(res: ApiResponse<unknown>, scope: "session" | "request"): void {
	const cost = costOf(res);
	const guardrail = guardrailOf(res);
	expect(cost.scope).toBe(scope);
	expect(cost.requestUsd).toBeGreaterThan(0);
	expect(cost.requestUsd).toBeCloseTo(costUsd(cost.usage), 18);
	expect(cost.usage.workerRequests).toBe(1);
	if (scope === "request") expect(cost.virtualUsd).toBe(cost.requestUsd);
	else expect(cost.virtualUsd).toBeGreaterThanOrEqual(cost.requestUsd);
	// The defaults: real billing locked at zero, nothing refused.
	expect(cost).toMatchObject({
		realUsd: 0,
		billingScale: 1e-9,
		limitUsd: 0,
		pricesAsOf: PRICES_AS_OF,
	});
	expect(guardrail).toEqual({ thresholdUsd: 0.05, tripped: false });
}

describe("meta.cost and meta.guardrail on every JSON response", () => {
	it("success responses, anonymous and with a session", async () => {
		expectLedger(await call("GET", "/healthz"), "request");
		const sku = await createProduct({ totalStock: 5 });
		expectLedger(await call("GET", "/api/products"), "request");
		const created = await call("POST", "/api/sessions", {
			body: { turnstileToken: "test-debug-token" },
		});
		expect(created.status).toBe(201);
		expectLedger(created, "session");
		const token = (created.body.data as { token: string }).token;
		expectLedger(await call("GET", `/api/products/${sku}/availability`, { token }), "session");
		const hold = await call("POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status).toBe(201);
		expectLedger(hold, "session");
		expectLedger(
			await call("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN }),
			"request",
		);
	});

	it("each error class: 400, 401, 403, 404 (route and SKU), 409, 413, 415", async () => {
		const token = await newSession();
		const sold = await createProduct({ totalStock: 0 });
		const cases: [number, string, Promise<ApiResponse>][] = [
			[
				400,
				"invalid_request",
				call("POST", "/api/reservations", {
					token,
					rawBody: "{not json",
					headers: { "content-type": "application/json" },
				}),
			],
			[401, "unauthorized", call("POST", "/api/reservations", { body: { sku: sold } })],
			[
				403,
				"forbidden",
				call("GET", `/api/admin/products/${sold}/stats`, { token: "not-the-admin-token" }),
			],
			[404, "not_found", call("GET", "/no/such/route")],
			[404, "unknown_sku", call("GET", "/api/products/NOPE-NOPE/availability", { token })],
			[409, "sold_out", call("POST", "/api/reservations", { token, body: { sku: sold } })],
			[
				413,
				"payload_too_large",
				call("POST", "/api/reservations", {
					token,
					rawBody: JSON.stringify({ sku: sold, pad: "x".repeat(17 * 1024) }),
					headers: { "content-type": "application/json" },
				}),
			],
			[
				415,
				"unsupported_media_type",
				call("POST", "/api/reservations", {
					token,
					rawBody: "sku=x",
					headers: { "content-type": "text/plain" },
				}),
			],
		];
		for (const [status, code, pending] of cases) {
			const res = await pending;
			expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
			expectLedger(
				res,
				status === 401 || status === 403 || code === "not_found" ? "request" : "session",
			);
		}
	});

	it("429 from a rate limit, 503 cost_limit, and 500 from onError", async () => {
		const ip = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
		const sku = await createProduct({ totalStock: 1 });
		const on = { RATE_LIMITS: "on" };
		expect(
			(
				await callWith(on, "POST", `/api/admin/products/${sku}/reset`, {
					token: ADMIN,
					headers: ip,
				})
			).status,
		).toBe(200);
		const limited = await callWith(on, "POST", `/api/admin/products/${sku}/reset`, {
			token: ADMIN,
			headers: ip,
		});
		expect(limited.status).toBe(429);
		expect(costOf(limited).requestUsd).toBeGreaterThan(0);
		guardrailOf(limited);

		const scaled = { BILLING_SCALE: "1000000" };
		const { token } = await sessionWith(scaled);
		const refused = await callWith(scaled, "GET", `/api/products/${sku}/availability`, { token });
		expect(refused.status).toBe(503);
		expect(refused.body.error?.code).toBe("cost_limit");
		expect(costOf(refused).realUsd).toBeGreaterThan(0);
		guardrailOf(refused);

		// A broken binding is a bug: onError answers 500, still inside the envelope.
		const broken = await callWith({ DB: undefined } as never, "GET", "/api/products");
		expect(broken.status).toBe(500);
		expect(broken.body.error?.code).toBe("internal_error");
		costOf(broken);
		guardrailOf(broken);
	});
});

describe("what the ledger counts", () => {
	it("a session's creation is one KV write and starts its total", async () => {
		const res = await call("POST", "/api/sessions", {
			body: { turnstileToken: "test-debug-token" },
		});
		const cost = costOf(res);
		expect(cost.usage.kvWrites).toBe(1);
		expect(cost.virtualUsd).toBeCloseTo(cost.requestUsd, 18);
	});

	it("a safe reservation: one object request (plus the ledger's), rows the object wrote, an AE point where bound", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const cost = costOf(await call("POST", "/api/reservations", { token, body: { sku } }));
		expect(cost.usage.doRequests).toBeGreaterThanOrEqual(1);
		expect(cost.usage.doRowsWritten).toBeGreaterThan(0);
		expect(cost.usage.d1RowsWritten).toBe(0); // docs/architecture.md: no D1 write on the hot path
		expect(cost.usage.kvWrites).toBe(0); // nor a KV write
		expect(cost.usage.aePoints).toBe(env.ANALYTICS === undefined ? 0 : 1);
	});

	it("an eventual reservation: the D1 rows it read and wrote", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const cost = costOf(
			await call("POST", "/api/reservations", { token, body: { sku, mode: "eventual" } }),
		);
		expect(cost.usage.d1RowsRead).toBeGreaterThan(0);
		expect(cost.usage.d1RowsWritten).toBeGreaterThan(0);
	});

	it("the running total is the sum of the request costs the session's responses report", async () => {
		const sku = await createProduct({ totalStock: 50, perUserLimit: 50 });
		const created = await call("POST", "/api/sessions", {
			body: { turnstileToken: "test-debug-token" },
		});
		const token = (created.body.data as { token: string }).token;
		let expected = costOf(created).requestUsd;
		for (let i = 0; i < 12; i++) {
			const res =
				i % 3 === 0
					? await call("POST", "/api/reservations", { token, body: { sku } })
					: await call("GET", `/api/products/${sku}/availability`, { token });
			const cost = costOf(res);
			expected += cost.requestUsd;
			expect(cost.virtualUsd).toBeCloseTo(expected, 15);
		}
	});

	it("the running total reaches the session's ledger group within a flush interval", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const created = await call("POST", "/api/sessions", {
			body: { turnstileToken: "test-debug-token" },
		});
		const { token, sessionId } = created.body.data as { token: string; sessionId: string };
		let last = costOf(created).virtualUsd;
		for (let i = 0; i < 3; i++) {
			last = costOf(await call("GET", `/api/products/${sku}/availability`, { token })).virtualUsd;
		}
		const ledger = env.LEDGER_GROUP;
		if (ledger === undefined)
			throw new Error("the LEDGER_GROUP binding is missing from wrangler.jsonc");
		const stub = ledger.get(ledger.idFromName(ledgerGroupName(ledgerGroupOf(sessionId))));
		await vi.waitFor(
			async () => expect((await stub.read(sessionId)).virtualUsd).toBeCloseTo(last, 15),
			{
				timeout: 8000,
				interval: 250,
			},
		);
	});
});
