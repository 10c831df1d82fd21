// The reserve path's per-second history (src/domain/timeseries.ts): the ring
// keeps exactly the last HISTORY_SECONDS, and percentiles read from the fixed
// buckets stay within one bucket of the exact percentile of the samples.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	exactPercentile,
	HISTORY_SECONDS,
	histogramPercentile,
	LATENCY_BUCKETS,
	LATENCY_EDGES_MS,
	latencyBucket,
	SecondRing,
} from "../../src/domain/timeseries.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const T0 = Date.UTC(2026, 10, 29, 7, 0, 0);

function countsOf(samples: readonly number[]): number[] {
	const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
	for (const v of samples) counts[latencyBucket(v)] = (counts[latencyBucket(v)] ?? 0) + 1;
	return counts;
}

describe("latency histogram", () => {
	it("puts each value in the first bucket whose edge is above it", () => {
		expect(latencyBucket(0)).toBe(0);
		expect(latencyBucket(0.5)).toBe(0);
		expect(latencyBucket(1)).toBe(1);
		expect(latencyBucket(12_000)).toBe(LATENCY_EDGES_MS.length);
		expect(latencyBucket(1e9)).toBe(LATENCY_EDGES_MS.length);
	});

	it("reads p50/p95/p99 within one bucket of the exact percentile, never above the largest sample", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.array(fc.double({ min: 0, max: 20_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
				fc.constantFrom(50, 95, 99),
				(samples, q) => {
					const max = Math.max(...samples);
					const estimate = histogramPercentile(countsOf(samples), q, max) as number;
					const exact = exactPercentile(samples, q) as number;
					expect(Math.abs(latencyBucket(estimate) - latencyBucket(exact))).toBeLessThanOrEqual(1);
					expect(estimate).toBeGreaterThanOrEqual(exact);
					expect(estimate).toBeLessThanOrEqual(max);
				},
			),
			{ numRuns: 100 },
		);
	});

	it("has no percentile without samples", () => {
		expect(histogramPercentile(countsOf([]), 50, 0)).toBeNull();
	});
});

describe("SecondRing", () => {
	it("counts attempts, rejections by code and latency in the second they happened", () => {
		const ring = new SecondRing();
		ring.attempt(T0 + 100, 3);
		ring.reject(T0 + 900, "sold_out", 2);
		ring.latencySample(T0 + 100, 4);
		ring.latencySample(T0 + 200, 40);
		ring.attempt(T0 + 2_000);
		ring.reject(T0 + 2_000, "not_started");
		const { series, window } = ring.read(T0 + 2_500, 3);
		expect(series.map((p) => p.at)).toEqual([
			new Date(T0).toISOString(),
			new Date(T0 + 1_000).toISOString(),
			new Date(T0 + 2_000).toISOString(),
		]);
		expect(series.map((p) => [p.attempts, p.rejected])).toEqual([
			[3, 2],
			[0, 0],
			[1, 1],
		]);
		expect(series[0]?.latencyMsP50).toBe(5);
		expect(series[0]?.latencyMsP99).toBe(40);
		expect(series[1]?.latencyMsP50).toBeNull();
		expect(window.attemptsPerSec).toBeCloseTo(4 / 3);
		expect(window.rejectionsPerSec).toBe(1);
		expect(window.rejectedByCode).toEqual({ sold_out: 2, not_started: 1 });
	});

	it("counts the per-address refusals in their second, beside the attempts and never among them", () => {
		const ring = new SecondRing();
		ring.attempt(T0 + 100);
		ring.addressRefused(T0 + 200, "liveFeed");
		ring.addressRefused(T0 + 1_300, "roomJoin");
		ring.addressRefused(T0 + 1_400, "roomJoin");
		const { series, window } = ring.read(T0 + 2_500, 3);
		expect(series.map((p) => p.addressRefusals)).toEqual([
			{ liveFeed: 1, roomJoin: 0 },
			{ liveFeed: 0, roomJoin: 2 },
			{ liveFeed: 0, roomJoin: 0 },
		]);
		expect(series.map((p) => [p.attempts, p.rejected])).toEqual([
			[1, 0],
			[0, 0],
			[0, 0],
		]);
		expect(window.addressRefusals).toEqual({ liveFeed: 1, roomJoin: 2 });
		expect(window.rejectionsPerSec).toBe(0);
		// A full turn later the slot is cleared, not added to.
		ring.addressRefused(T0 + 200 + HISTORY_SECONDS * 1_000, "roomJoin");
		const later = ring.read(T0 + 200 + HISTORY_SECONDS * 1_000, 1);
		expect(later.series[0]?.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 1 });
	});

	it("counts the live feed's closes and refusals in their second; only a coordinator's export carries them, and adding them sums them", () => {
		const none = {
			idleClosed: 0,
			floodClosed: 0,
			refusedFull: 0,
			refusedAddress: 0,
			refusedCoolDown: 0,
		};
		const coordinator = new SecondRing();
		coordinator.liveCounted(T0 + 100, "floodClosed");
		coordinator.liveCounted(T0 + 200, "refusedCoolDown");
		coordinator.liveCounted(T0 + 300, "refusedCoolDown");
		coordinator.addressRefused(T0 + 400, "liveFeed");
		coordinator.liveCounted(T0 + 1_100, "idleClosed");
		coordinator.liveCounted(T0 + 1_200, "refusedFull");
		const first = { ...none, floodClosed: 1, refusedCoolDown: 2, refusedAddress: 1 };
		const second = { ...none, idleClosed: 1, refusedFull: 1 };
		const own = coordinator.read(T0 + 2_500, 3);
		expect(own.series.map((p) => p.live)).toEqual([first, second, none]);
		expect(own.window.live).toEqual({ ...first, idleClosed: 1, refusedFull: 1 });
		expect(own.window.attemptsPerSec).toBe(0);
		// A shard's decided seconds carry none; the coordinator's do, and a merged ring counts them once.
		expect(coordinator.export(T0 + 2_500, 3, true).every((x) => x.live === undefined)).toBe(true);
		const shard = new SecondRing();
		shard.attempt(T0 + 150);
		const merged = new SecondRing();
		for (const x of [
			...coordinator.export(T0 + 2_500, 3, false),
			...shard.export(T0 + 2_500, 3, true),
		])
			merged.add(x);
		expect(merged.read(T0 + 2_500, 3).window.live).toEqual(own.window.live);
		// A full turn later the slot is cleared, not added to.
		coordinator.liveCounted(T0 + 100 + HISTORY_SECONDS * 1_000, "idleClosed");
		const later = coordinator.read(T0 + 100 + HISTORY_SECONDS * 1_000, 1);
		expect(later.series[0]?.live).toEqual({ ...none, idleClosed: 1 });
	});

	it("forgets a second once it is older than HISTORY_SECONDS, and never grows", () => {
		const ring = new SecondRing();
		ring.attempt(T0, 7);
		ring.latencySample(T0, 3);
		// The same slot, one full turn later: the old second is cleared, not added to.
		const later = T0 + HISTORY_SECONDS * 1_000;
		ring.attempt(later, 1);
		const { series, window } = ring.read(later, HISTORY_SECONDS);
		expect(series).toHaveLength(HISTORY_SECONDS);
		expect(series.at(-1)?.attempts).toBe(1);
		expect(series.at(-1)?.latencyMsP50).toBeNull();
		expect(window.attemptsPerSec).toBeCloseTo(1 / HISTORY_SECONDS);
		// A window reaching back past the oldest kept second is capped.
		expect(ring.read(later, 10_000).series).toHaveLength(HISTORY_SECONDS);
	});

	it("window totals equal the sums of the per-second counts (any sequence of events)", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						offsetMs: fc.integer({ min: 0, max: 60_000 }),
						rejected: fc.boolean(),
						latencyMs: fc.integer({ min: 0, max: 5_000 }),
					}),
					{ maxLength: 200 },
				),
				(events) => {
					const ring = new SecondRing();
					for (const e of events) {
						ring.attempt(T0 + e.offsetMs);
						if (e.rejected) ring.reject(T0 + e.offsetMs, "sold_out");
						ring.latencySample(T0 + e.offsetMs, e.latencyMs);
					}
					const { series, window } = ring.read(T0 + 60_999, 61);
					const attempts = series.reduce((n, p) => n + p.attempts, 0);
					const rejected = series.reduce((n, p) => n + p.rejected, 0);
					expect(attempts).toBe(events.length);
					expect(rejected).toBe(events.filter((e) => e.rejected).length);
					expect(window.attemptsPerSec * 61).toBeCloseTo(events.length);
					const exact = exactPercentile(
						events.map((e) => e.latencyMs),
						95,
					);
					if (exact === null) expect(window.latencyMsP95).toBeNull();
					else
						expect(
							Math.abs(latencyBucket(window.latencyMsP95 as number) - latencyBucket(exact)),
						).toBeLessThanOrEqual(1);
				},
			),
			{ numRuns: 100 },
		);
	});
});

describe("SecondRing.countedAfter (what a late split reset keeps)", () => {
	it("counts the attempts and refusals by code in the seconds after the cut's (any sequence)", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						offsetMs: fc.integer({ min: 0, max: 60_000 }),
						code: fc.constantFrom(null, "sold_out", "purchase_limit"),
					}),
					{ maxLength: 200 },
				),
				fc.integer({ min: 0, max: 60_000 }),
				(events, cutOffsetMs) => {
					const ring = new SecondRing();
					for (const e of events) {
						ring.attempt(T0 + e.offsetMs);
						if (e.code !== null) ring.reject(T0 + e.offsetMs, e.code);
					}
					const cutS = Math.floor((T0 + cutOffsetMs) / 1000);
					const after = events.filter((e) => Math.floor((T0 + e.offsetMs) / 1000) > cutS);
					const rejected: Record<string, number> = {};
					for (const e of after)
						if (e.code !== null) rejected[e.code] = (rejected[e.code] ?? 0) + 1;
					expect(ring.countedAfter(T0 + cutOffsetMs, T0 + 60_999)).toEqual({
						attempts: after.length,
						rejected,
					});
				},
			),
			{ numRuns: 100 },
		);
	});

	it("counts nothing older than HISTORY_SECONDS", () => {
		const ring = new SecondRing();
		ring.attempt(T0, 5);
		const now = T0 + HISTORY_SECONDS * 1_000;
		expect(ring.countedAfter(T0 - 10_000, now)).toEqual({ attempts: 0, rejected: {} });
		ring.attempt(now, 2);
		expect(ring.countedAfter(T0 - 10_000, now).attempts).toBe(2);
		// The cut's own second is left out.
		expect(ring.countedAfter(now, now).attempts).toBe(0);
	});
});

describe("the edge's latency, delivered as bucket counts", () => {
	it("reads the same percentiles as the samples bucketed at the edge, capped at the top bucket's edge", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.array(fc.nat({ max: 20_000 }), { minLength: 1, maxLength: 300 }),
				(samples) => {
					const ring = new SecondRing();
					for (const [bucket, n] of countsOf(samples).entries()) {
						if (n > 0) ring.edgeLatencyBucket(T0 + 10, bucket, n);
					}
					const w = ring.read(T0 + 500, 1).window;
					for (const q of [50, 95, 99] as const) {
						const exact = exactPercentile(samples, q) as number;
						const read = w[`edgeLatencyMsP${q}`] as number;
						// The bucket's upper edge: never below the exact value unless it is the open last bucket.
						if (exact < (LATENCY_EDGES_MS.at(-1) as number)) expect(read).toBeGreaterThan(exact);
						expect(read).toBe(histogramPercentile(countsOf(samples), q, read));
					}
					// The object's own decision latency is untouched by the edge's counts.
					expect(w.latencyMsP50).toBeNull();
				},
			),
			{ numRuns: 200 },
		);
	});

	it("ignores a bucket outside the histogram", () => {
		const ring = new SecondRing();
		ring.edgeLatencyBucket(T0, -1);
		ring.edgeLatencyBucket(T0, LATENCY_BUCKETS);
		ring.edgeLatencyBucket(T0, 1.5);
		expect(ring.read(T0, 1).window.edgeLatencyMsP50).toBeNull();
	});
});
