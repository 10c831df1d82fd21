// A drop's latency figures (cli/drop/latency.ts): every percentile lies within the latencies
// recorded. The HDR histogram answers a bucket's edge, so before it was capped a run printed
// "p99 264.703 ms, max 264.651 ms" and its HTML report "p100 705.023 ms" beside "max 704.681 ms".
// Pure (no server): here rather than in test/unit, beside the other cli/drop modules' tests.
import { describe, expect, it } from "vitest";
import { Latency } from "../../cli/drop/latency.ts";

describe("the latency percentiles", () => {
	it("never pass the max nor fall below the min, which are the values recorded", () => {
		const latency = new Latency();
		// Values inside a bucket of three significant digits, above 1 ms: not at its edges.
		for (const ms of [3.0013, 3.0017, 264.651, 264.6, 264.62, 704.681]) latency.record(ms);
		const s = latency.summary();
		expect(s.max).toBe(704.681);
		for (const p of [s.p50, s.p95, s.p99]) expect(p).toBeLessThanOrEqual(s.max);
		const curve = latency.percentiles();
		expect(curve.at(-1)).toEqual([100, 704.681]);
		expect(curve[0]).toEqual([0, 3.001]);
		for (const [, ms] of curve) {
			expect(ms).toBeLessThanOrEqual(704.681);
			expect(ms).toBeGreaterThanOrEqual(3.001);
		}
		latency.destroy();
	});

	it("of a run whose latencies all fall in one bucket are that run's latency", () => {
		const latency = new Latency();
		for (let i = 0; i < 100; i++) latency.record(264.651);
		const s = latency.summary();
		expect([s.p50, s.p95, s.p99, s.max]).toEqual([264.651, 264.651, 264.651, 264.651]);
		latency.destroy();
	});
});
