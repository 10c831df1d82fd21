// The demo's defaults against a real `npm start` server (BILLING_SCALE=1e-9,
// DEMO_COST_LIMIT=0): 10,000 requests of one session are never refused for
// cost and bill $0.00 real; and the guardrail (set low here so a test can
// reach it) trips on exactly the response whose running total crosses it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostLedger, Guardrail } from "../../src/shared/types.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const TOTAL_REQUESTS = 10_000;
const CONCURRENCY = 32;
const THRESHOLD_USD = 0.0001;

describe("the defaults: real billing locked at zero", () => {
	let server: TestServer;
	let sku: string;
	beforeAll(async () => {
		server = await startServer({ env: { GUARDRAIL_VIRTUAL_USD: String(THRESHOLD_USD) } });
		sku = `DEFAULTS-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: {
				sku,
				name: "Defaults",
				priceCents: 100,
				currency: "USD",
				totalStock: 1000,
				perUserLimit: 1000,
			},
		});
		expect(created.status).toBe(201);
	});
	afterAll(async () => {
		await server?.dispose();
	});

	async function newSession(): Promise<{ token: string; cost: CostLedger }> {
		const res = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		expect(res.status).toBe(201);
		return { token: res.body.data?.token ?? "", cost: res.body.meta?.cost as CostLedger };
	}

	it("the guardrail trips exactly when the running total crosses the threshold; allocations go on", async () => {
		const { token, cost } = await newSession();
		let running = cost.requestUsd;
		let crossedAt: number | null = null;
		let i = 0;
		for (; i < 300 && (crossedAt === null || i < crossedAt + 5); i++) {
			const res =
				i % 2 === 0
					? await api(server, "POST", "/api/reservations", { token, body: { sku } })
					: await api(server, "GET", `/api/products/${sku}/availability`, { token });
			expect(res.status).toBe(i % 2 === 0 ? 201 : 200);
			const c = res.body.meta?.cost as CostLedger;
			const g = res.body.meta?.guardrail as Guardrail;
			running += c.requestUsd;
			expect(c.virtualUsd).toBeCloseTo(running, 15);
			if (running > THRESHOLD_USD && crossedAt === null) crossedAt = i;
			expect(g).toEqual({ thresholdUsd: THRESHOLD_USD, tripped: running > THRESHOLD_USD });
		}
		expect(crossedAt).not.toBeNull();
		expect(crossedAt).toBeGreaterThan(5);
	});

	// Up to a minute on a busy 2-core machine (wrangler dev served a few hundred requests a second there).
	it(`${TOTAL_REQUESTS} requests of one session, ${CONCURRENCY} at a time, are never refused for cost`, {
		timeout: 300_000,
	}, async () => {
		const { token } = await newSession();
		const statuses = new Map<number, number>();
		let maxReal = 0;
		let lastVirtual = 0;
		let next = 0;
		async function worker(): Promise<void> {
			while (next < TOTAL_REQUESTS) {
				const n = next++;
				const path = n % 100 === 0 ? `/api/products/${sku}` : `/api/products/${sku}/availability`;
				const res = await api(server, "GET", path, { token });
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
				const cost = res.body.meta?.cost as CostLedger;
				maxReal = Math.max(maxReal, cost.realUsd);
				lastVirtual = Math.max(lastVirtual, cost.virtualUsd);
			}
		}
		await Promise.all(Array.from({ length: CONCURRENCY }, worker));
		expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL_REQUESTS });
		expect(maxReal).toBe(0);
		// Real money would need a virtual total near $10 million at BILLING_SCALE=1e-9.
		expect(lastVirtual).toBeGreaterThan(THRESHOLD_USD);
		const last = await api(server, "GET", `/api/products/${sku}/availability`, { token });
		expect(last.body.meta?.guardrail).toEqual({ thresholdUsd: THRESHOLD_USD, tripped: true });
		expect(last.status).toBe(200);
	});
});
