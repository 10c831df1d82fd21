// What the SKU object records per decided batch and per edge tally
// (src/inventory/metrics.ts): rejections under the stats' keys, latency from
// the edge's arrival time, edge-answered attempts without a latency sample.
import { describe, expect, it } from "vitest";
import type { Op, OpAnswer } from "../../src/inventory/batch-decisions.ts";
import { DecisionMetrics } from "../../src/inventory/metrics.ts";
import {
	EDGE_ANSWERED,
	type ReserveRequest,
	type ReserveResult,
	readEdgeCounts,
} from "../../src/inventory/rpc.ts";

const T0 = Date.UTC(2026, 10, 29, 7, 0, 0);

function attempt(arrivedAtMs?: number): ReserveRequest {
	return {
		id: crypto.randomUUID(),
		sessionId: "s",
		quantity: 1,
		idempotencyKey: null,
		...(arrivedAtMs === undefined ? {} : { arrivedAtMs }),
	};
}

function answer(results: ReserveResult[]): OpAnswer {
	return { results, sqlRows: { read: 0, written: 0 }, snapshot: null };
}

describe("DecisionMetrics", () => {
	it("counts a batch's attempts and refusals in its second, with latency from arrival", () => {
		const m = new DecisionMetrics();
		const decidedAtMs = T0 + 500;
		const ops: Op[] = [
			{ kind: "reserve", attempts: [attempt(T0 + 490), attempt(T0 + 300)], limits: null },
			{ kind: "cancel", id: "rsv_x", sessionId: "s" },
			{ kind: "reserve", attempts: [attempt()], limits: null },
		];
		const refusal = {
			ok: false as const,
			tier: "new" as const,
			flag: null,
			limit: 1,
			windowMs: 1000,
			retryAfterMs: 1000,
		};
		const answers: OpAnswer[] = [
			answer([
				{ ok: false, code: "sold_out" },
				{ ok: false, code: "rate_limited", refusal },
			]),
			{ ok: false, code: "not_found" },
			answer([{ ok: false, code: "purchase_limit" }]),
		];
		m.batch(ops, answers, decidedAtMs);
		const r = m.read("SKU", T0 + 900, 1);
		expect(r).toMatchObject({ sku: "SKU", resolutionSeconds: 1 });
		expect(r.series[0]).toMatchObject({ attempts: 3, rejected: 3 });
		expect(r.window.rejectedByCode).toEqual({
			sold_out: 1,
			"rate_limited.reserve_new": 1,
			purchase_limit: 1,
		});
		// Two samples (10 ms and 200 ms); the attempt without arrivedAtMs has none.
		expect(r.window.latencyMsP50).toBe(12);
		expect(r.window.latencyMsP99).toBe(200);
	});

	it("counts the edge's tallies as attempts and rejections, without latency", () => {
		const m = new DecisionMetrics();
		m.edge(readEdgeCounts({ [EDGE_ANSWERED]: 4, sold_out: 3, not_started: 1, bogus: -2 }), T0 + 10);
		const r = m.read("SKU", T0 + 10, 1);
		expect(r.series[0]).toMatchObject({ attempts: 4, rejected: 4, latencyMsP50: null });
		expect(r.window.rejectedByCode).toEqual({ sold_out: 3, not_started: 1 });
	});
});
