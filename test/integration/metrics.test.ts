// GET /api/admin/products/:sku/metrics: the reserve path's per-second history
// as the SKU object saw it (src/inventory/metrics.ts) — attempts, rejections by
// reason and decision latency, including attempts the edge answered alone.

import { describe, expect, it } from "vitest";
import type { Reservation, SkuMetrics } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";

const metrics = (sku: string, query = "") =>
	call<SkuMetrics>("GET", `/api/admin/products/${sku}/metrics${query}`, { token: ADMIN });

const reserve = (sku: string, token: string) =>
	call<Reservation>("POST", "/api/reservations", { token, body: { sku } });

describe("SKU metrics", () => {
	it("counts attempts and rejections in the seconds they happened, with latency percentiles", async () => {
		const sku = await createProduct({ totalStock: 2, perUserLimit: 1 });
		const buyers = await Promise.all(Array.from({ length: 5 }, () => newSession()));
		const fromMs = Date.now();
		const codes: (string | undefined)[] = [];
		for (const t of buyers) {
			const r = await reserve(sku, t);
			codes.push(r.status === 201 ? "ok" : r.body.error?.code);
		}
		const toMs = Date.now();
		expect(codes).toEqual(["ok", "ok", "sold_out", "sold_out", "sold_out"]);

		const res = await metrics(sku, "?seconds=120");
		expect(res.status).toBe(200);
		const m = res.body.data as SkuMetrics;
		expect(m.sku).toBe(sku);
		expect(m.resolutionSeconds).toBe(1);
		expect(m.series).toHaveLength(120);
		// One point per second, oldest first, ending with the current second.
		const seconds = m.series.map((p) => Date.parse(p.at));
		for (let i = 1; i < seconds.length; i++) expect(seconds[i]).toBe((seconds[i - 1] ?? 0) + 1000);
		const busy = m.series.filter((p) => p.attempts > 0 || p.rejected > 0);
		expect(busy.length).toBeGreaterThan(0);
		// Every counted second lies between the first attempt and the read (edge tallies
		// are counted when delivered, which the metrics read forces before it answers).
		for (const p of busy) {
			expect(Date.parse(p.at)).toBeGreaterThanOrEqual(Math.floor(fromMs / 1000) * 1000);
			expect(Date.parse(p.at)).toBeLessThanOrEqual(Date.now());
		}
		expect(busy.reduce((n, p) => n + p.attempts, 0)).toBe(5);
		expect(busy.reduce((n, p) => n + p.rejected, 0)).toBe(3);
		expect(m.window.rejectedByCode).toEqual({ sold_out: 3 });
		expect(m.window.attemptsPerSec).toBeCloseTo(5 / 120);
		expect(m.window.rejectionsPerSec).toBeCloseTo(3 / 120);
		// The two holds were decided by the object: their latency is measured.
		for (const q of ["latencyMsP50", "latencyMsP95", "latencyMsP99"] as const) {
			expect(typeof m.window[q]).toBe("number");
			expect(m.window[q]).toBeGreaterThanOrEqual(0);
			expect(m.window[q]).toBeLessThanOrEqual(toMs - fromMs + 1);
		}
		const p50 = m.window.latencyMsP50 as number;
		expect(m.window.latencyMsP95).toBeGreaterThanOrEqual(p50);
		expect(busy.some((p) => p.latencyMsP50 !== null)).toBe(true);
		// The edge's view covers every request, the ones it answered from its copy too.
		for (const q of ["edgeLatencyMsP50", "edgeLatencyMsP95", "edgeLatencyMsP99"] as const) {
			expect(typeof m.window[q]).toBe("number");
			expect(m.window[q]).toBeGreaterThanOrEqual(0);
		}
		expect(m.window.edgeLatencyMsP95).toBeGreaterThanOrEqual(m.window.edgeLatencyMsP50 as number);
		// Latency buckets feed the metrics, never the rejection counts or the stats.
		const stats = await call<{ rejected: Record<string, number> }>(
			"GET",
			`/api/admin/products/${sku}/stats`,
			{ token: ADMIN },
		);
		expect(Object.keys(stats.body.data?.rejected ?? {})).toEqual(["sold_out"]);

		// The default window is the whole history: 900 seconds.
		const all = await metrics(sku);
		expect(all.status).toBe(200);
		expect(all.body.data?.series).toHaveLength(900);
		expect(all.body.data?.series.reduce((n, p) => n + p.attempts, 0)).toBe(5);
	});

	it("counts attempts the edge answered alone (not started) as attempts and rejections", async () => {
		const startsAt = new Date(Date.now() + 3_600_000).toISOString();
		const sku = await createProduct({ totalStock: 5, startsAt });
		const buyers = await Promise.all(Array.from({ length: 4 }, () => newSession()));
		for (const t of buyers) expect((await reserve(sku, t)).body.error?.code).toBe("not_started");
		const m = (await metrics(sku, "?seconds=60")).body.data as SkuMetrics;
		expect(m.series.reduce((n, p) => n + p.attempts, 0)).toBe(4);
		expect(m.window.rejectedByCode).toEqual({ not_started: 4 });
		// Most were answered by the edge from its copy; the edge's latency covers all of them.
		expect(typeof m.window.edgeLatencyMsP50).toBe("number");
	});

	it("refuses a bad `seconds` with 400 naming the parameter, and changes nothing", async () => {
		const sku = await createProduct();
		for (const bad of ["0", "901", "abc", "1.5", "-3", "", "1e2"]) {
			const res = await metrics(sku, `?seconds=${encodeURIComponent(bad)}`);
			expect(res.status, bad).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/seconds/);
		}
		expect((await metrics(sku, "?seconds=900")).status).toBe(200);
		expect((await metrics(sku, "?seconds=1")).body.data?.series).toHaveLength(1);
	});

	it("answers 404 unknown_sku for an unknown SKU and 401 without the operator token", async () => {
		const unknown = await metrics(uniqueSku("NOPE"));
		expect(unknown.status).toBe(404);
		expect(unknown.body.error?.code).toBe("unknown_sku");
		const sku = await createProduct();
		const anonymous = await call("GET", `/api/admin/products/${sku}/metrics`);
		expect(anonymous.status).toBe(401);
	});
});
