// The edge's waiting counts (src/ratelimit/edge-counters.ts): an edge answer's three counts
// (answered, its code, its latency bucket) wait under one target and leave in one delivery; a
// delivery already scheduled is reported, so a caller builds no second one.
import { describe, expect, it } from "vitest";
import {
	deliveryScheduled,
	flushSoon,
	MAX_TALLY_TARGETS,
	takeTallies,
	tally,
	tallyEach,
} from "../../src/ratelimit/edge-counters.ts";

describe("edge tallies", () => {
	it("counts the three reasons of an edge answer under the SKU, added to what waits", () => {
		const sku = `T-${crypto.randomUUID()}`;
		expect(tally({ sku }, "sold_out")).toBe(sku);
		expect(tallyEach({ sku }, "edge.answered", "sold_out", "latency.1")).toBe(sku);
		expect(tallyEach({ sku }, "edge.answered", "sold_out", "latency.1")).toBe(sku);
		expect(takeTallies(sku)).toEqual({ "edge.answered": 2, sold_out: 3, "latency.1": 2 });
		expect(takeTallies(sku)).toBeNull();
	});

	it("sends counts of SKUs past MAX_TALLY_TARGETS to the global totals, as tally does", () => {
		const skus = Array.from({ length: MAX_TALLY_TARGETS }, () => `T-${crypto.randomUUID()}`);
		try {
			for (const sku of skus) tally({ sku }, "x");
			const late = `T-${crypto.randomUUID()}`;
			expect(tallyEach({ sku: late }, "a", "b", "c")).toBeNull();
			expect(tally({ sku: late }, "d")).toBeNull();
			// A SKU already waiting keeps its own entry.
			const first = skus[0] as string;
			expect(tallyEach({ sku: first }, "a", "b", "c")).toBe(first);
			expect(takeTallies(first)).toEqual({ x: 1, a: 1, b: 1, c: 1 });
			expect(takeTallies(null)).toMatchObject({ a: 1, b: 1, c: 1, d: 1 });
		} finally {
			for (const sku of skus) takeTallies(sku);
		}
	});

	it("reports a scheduled delivery until it has taken the counts", async () => {
		const sku = `T-${crypto.randomUUID()}`;
		const sent: Record<string, number>[] = [];
		tallyEach({ sku }, "edge.answered", "sold_out", "latency.1");
		expect(deliveryScheduled(sku)).toBe(false);
		const first = flushSoon(sku, Date.now(), async (counts) => {
			sent.push(counts);
		});
		// The first delivery after a quiet spell takes the counts at once; the next one waits.
		await first;
		tally({ sku }, "sold_out");
		const second = flushSoon(sku, Date.now(), async (counts) => {
			sent.push(counts);
		});
		expect(second).not.toBeNull();
		expect(deliveryScheduled(sku)).toBe(true);
		expect(flushSoon(sku, Date.now(), async () => undefined)).toBeNull();
		await second;
		expect(deliveryScheduled(sku)).toBe(false);
		expect(sent).toEqual([{ "edge.answered": 1, sold_out: 1, "latency.1": 1 }, { sold_out: 1 }]);
	});
});
