// The hard cost lock against a real `npm start` server: with BILLING_SCALE=1000000
// and DEMO_COST_LIMIT=0, a session is refused with 503 cost_limit as soon as a
// cent has been billed, and the refusal takes nothing from the stock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostLedger } from "../../src/shared/types.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

describe("BILLING_SCALE=1000000, DEMO_COST_LIMIT=0", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer({ env: { BILLING_SCALE: "1000000", DEMO_COST_LIMIT: "0" } });
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it("refuses the session's requests once a cent has been billed", async () => {
		const sku = `COST-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: { sku, name: "Cost lock", priceCents: 100, currency: "USD", totalStock: 5 },
		});
		expect(created.status).toBe(201);
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		expect(session.status).toBe(201);
		const billed = session.body.meta?.cost as CostLedger;
		expect(billed).toMatchObject({ scope: "session", billingScale: 1_000_000, limitUsd: 0 });
		expect(billed.realUsd).toBeGreaterThanOrEqual(0.01);
		const token = session.body.data?.token ?? "";

		for (const [method, path, body] of [
			["POST", "/api/reservations", { sku }],
			["POST", "/api/reservations", { sku, mode: "eventual" }],
			["GET", `/api/products/${sku}/availability`, undefined],
			["POST", "/api/demo/sandbox", undefined],
		] as const) {
			const res = await api(server, method, path, { token, body });
			expect(res.status, `${method} ${path}`).toBe(503);
			expect(res.body.error?.code).toBe("cost_limit");
			expect(res.headers.get("retry-after")).toBeNull();
			const cost = res.body.meta?.cost as CostLedger;
			expect(cost.realUsd).toBeGreaterThan(0);
			expect(res.body.meta?.guardrail).toBeDefined();
		}
		const stats = await api(server, "GET", `/api/admin/products/${sku}/stats`, {
			token: server.adminToken,
		});
		expect(stats.body.data).toMatchObject({
			reserved: 0,
			available: 5,
			eventual: { allocated: 0 },
		});
	});
});
