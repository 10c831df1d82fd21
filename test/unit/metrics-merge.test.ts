// A split SKU's metrics added up from its objects' seconds (src/domain/timeseries.ts export/add,
// src/inventory/metrics.ts mergedMetrics): counts and bucket counts add exactly, so the merge
// reads as one ring holding every sample; a shard's seconds carry its decisions only, so the
// edge's tallies and the per-address refusals, which the coordinator keeps, are counted once.
import { describe, expect, it } from "vitest";
import { SecondRing } from "../../src/domain/timeseries.ts";
import { mergedMetrics } from "../../src/inventory/metrics.ts";

const T0 = Date.UTC(2026, 11, 1, 4, 0, 0);

/** Random-ish samples spread over three seconds and four objects, reproducible. */
function samples(): { object: number; atMs: number; ms: number; code: string | null }[] {
	let x = 7;
	const next = () => {
		x = (x * 1103515245 + 12345) % 2147483648;
		return x;
	};
	return Array.from({ length: 400 }, () => ({
		object: next() % 4,
		atMs: T0 + (next() % 3000),
		ms: next() % 900,
		code: next() % 3 === 0 ? "sold_out" : null,
	}));
}

describe("split SKU metrics merge", () => {
	it("reads as one ring with every object's samples", () => {
		const whole = new SecondRing();
		const objects = Array.from({ length: 4 }, () => new SecondRing());
		for (const s of samples()) {
			for (const ring of [whole, objects[s.object] as SecondRing]) {
				ring.attempt(s.atMs);
				ring.latencySample(s.atMs, s.ms);
				if (s.code !== null) ring.reject(s.atMs, s.code);
			}
		}
		const now = T0 + 5000;
		const parts = objects.map((r) => r.export(now, 60, true));
		const merged = mergedMetrics("SKU", now, 60, parts);
		expect(merged.shards).toBe(4);
		const expected = whole.read(now, 60);
		expect(merged.series).toEqual(expected.series);
		expect(merged.window).toEqual(expected.window);
		expect(merged.series.reduce((n, p) => n + p.attempts, 0)).toBe(400);
	});

	it("takes the edge's tallies and the address refusals from the coordinator only", () => {
		const coordinator = new SecondRing();
		const shard = new SecondRing();
		for (const ring of [coordinator, shard]) {
			ring.attempt(T0, 2);
			ring.edgeLatencyBucket(T0, 3, 5);
			ring.addressRefused(T0, "roomJoin");
		}
		const now = T0 + 1000;
		const merged = mergedMetrics("SKU", now, 10, [
			coordinator.export(now, 10, false),
			shard.export(now, 10, true),
		]);
		expect(merged.series.reduce((n, p) => n + p.attempts, 0)).toBe(4);
		expect(merged.window.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 1 });
		expect(merged.window.edgeLatencyMsP50).toBe(coordinator.read(now, 10).window.edgeLatencyMsP50);
	});

	it("leaves out the seconds outside the span and those that counted nothing", () => {
		const ring = new SecondRing();
		ring.attempt(T0);
		ring.attempt(T0 + 20_000);
		const seconds = ring.export(T0 + 20_500, 10, true);
		expect(seconds.map((s) => s.s)).toEqual([Math.floor(T0 / 1000) + 20]);
	});
});
