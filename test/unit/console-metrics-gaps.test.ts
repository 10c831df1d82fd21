// The latency card's line of what its figures leave out (src/web/console/metrics-gaps.ts;
// docs/decisions/158-a-split-skus-metrics-and-its-shards.md): shards that did not answer, and
// the seconds before an object of the drop started.
import { describe, expect, it } from "vitest";
import type { MetricsPoint, SkuMetrics } from "../../src/shared/types.ts";
import { metricsGapsLine } from "../../src/web/console/metrics-gaps.ts";
import { time } from "../../src/web/lib/format.ts";

const T0 = Date.UTC(2026, 11, 1, 5, 0, 0);

function point(atMs: number): MetricsPoint {
	return {
		at: new Date(atMs).toISOString(),
		attempts: 0,
		rejected: 0,
		latencyMsP50: null,
		latencyMsP95: null,
		latencyMsP99: null,
		edgeLatencyMsP50: null,
		edgeLatencyMsP95: null,
		edgeLatencyMsP99: null,
	};
}

function metrics(extra: Partial<SkuMetrics>): SkuMetrics {
	return {
		sku: "SKU",
		resolutionSeconds: 1,
		series: [point(T0), point(T0 + 1000), point(T0 + 2000)],
		window: {
			attemptsPerSec: 0,
			rejectionsPerSec: 0,
			rejectedByCode: {},
			latencyMsP50: null,
			latencyMsP95: null,
			latencyMsP99: null,
			edgeLatencyMsP50: null,
			edgeLatencyMsP95: null,
			edgeLatencyMsP99: null,
		},
		...extra,
	};
}

describe("the latency card's gaps line", () => {
	it("is absent when every object answered and started before the span", () => {
		expect(metricsGapsLine(metrics({ shards: 3, historyFrom: new Date(T0).toISOString() }))).toBe(
			null,
		);
		expect(metricsGapsLine(metrics({}))).toBe(null); // an older server
	});

	it("names the shards that did not answer", () => {
		expect(metricsGapsLine(metrics({ shards: 3, missingShards: [2] }))).toBe(
			"Shard 2 did not answer this read: its decisions are not in these figures.",
		);
		expect(metricsGapsLine(metrics({ shards: 3, missingShards: [1, 2] }))).toBe(
			"Shards 1, 2 did not answer this read: their decisions are not in these figures.",
		);
	});

	it("says from when the figures are whole when an object started within the span after another counted attempts", () => {
		const from = new Date(T0 + 1500).toISOString();
		const series = [{ ...point(T0), attempts: 3, rejected: 1 }, point(T0 + 1000), point(T0 + 2000)];
		expect(metricsGapsLine(metrics({ historyFrom: from, series }))).toBe(
			`Before ${time(from)} the figures lack an object of this drop that started then (a restart starts its history afresh).`,
		);
	});

	it("says nothing of the attempts counted in the second an object started in", () => {
		// A point's `at` is its second's start, `historyFrom` the start to the millisecond: a SKU
		// reserved in the second it was made, or an object woken by a reserve, counts its own first
		// attempts in a second that began before it started. Nothing was lost.
		const from = new Date(T0 + 1500).toISOString();
		const series = [point(T0), { ...point(T0 + 1000), attempts: 5, rejected: 2 }, point(T0 + 2000)];
		expect(metricsGapsLine(metrics({ historyFrom: from, series }))).toBe(null);
		// A second that ended exactly at the start is before it.
		const atEnd = new Date(T0 + 2000).toISOString();
		expect(metricsGapsLine(metrics({ historyFrom: atEnd, series }))).toBe(
			`Before ${time(atEnd)} the figures lack an object of this drop that started then (a restart starts its history afresh).`,
		);
	});

	it("says nothing of an object's start when no second before it counted an attempt", () => {
		// A new SKU, a fresh server, an object woken from idle by the console's own read: it started
		// within the span, and the seconds before its start were quiet everywhere.
		const from = new Date(T0 + 1500).toISOString();
		expect(metricsGapsLine(metrics({ historyFrom: from }))).toBe(null);
		const series = [point(T0), point(T0 + 1000), { ...point(T0 + 2000), attempts: 4 }];
		expect(metricsGapsLine(metrics({ historyFrom: from, series }))).toBe(null);
		// Still named when a shard did not answer.
		expect(metricsGapsLine(metrics({ historyFrom: from, shards: 3, missingShards: [1] }))).toBe(
			"Shard 1 did not answer this read: its decisions are not in these figures.",
		);
	});
});
