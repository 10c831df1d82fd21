// Settled target verdicts (cli/bench/settle.ts): each target of the hot path over N repetitions,
// decided on the median, "unsettled" when the repetitions fall on both sides of the threshold,
// disturbed repetitions left out while at least half were quiet, oversell on the worst one.

import { describe, expect, it } from "vitest";
import {
	median,
	type SettledTarget,
	settledTable,
	settledVerdict,
	settleTarget,
	settleTargets,
	spreadOf,
	straddles,
} from "../../cli/bench/settle.ts";
import type { TargetResult } from "../../cli/bench/targets.ts";

/** One repetition's evaluation of the sold-out target (≥ 0.80× own hello). */
function soldOut(
	byRate: number | null,
	byCpu: number | null,
	others: { row?: number; readings?: number } = {},
): TargetResult {
	const meets = (v: number | null) => (v === null ? null : v >= 0.8);
	const checks = [meets(byRate), meets(byCpu)].filter((c) => c !== null);
	return {
		target: "sold-out",
		row: "sold-out",
		needs: "≥ 0.80× own hello",
		byRate,
		byCpu,
		verdict: checks.every(Boolean) ? "met" : "not met",
		othersCpuDuring: others.row ?? 1,
		baselineOthersCpu: others.readings ?? 2,
		threshold: 0.8,
		atLeast: true,
	};
}

/** A target with one figure and no CPU measure: zero oversell, or p99 at half the peak. */
function single(
	figure: number,
	target: Pick<TargetResult, "target" | "row" | "needs" | "threshold">,
	othersCpuDuring: number | null,
): TargetResult {
	return {
		...target,
		byRate: figure,
		byCpu: null,
		verdict: figure <= target.threshold ? "met" : "not met",
		othersCpuDuring,
		baselineOthersCpu: null,
		atLeast: false,
	};
}

const oversell = (units: number) =>
	single(
		units,
		{ target: "zero oversell", row: "every row", needs: "0 units", threshold: 0 },
		null,
	);

const halfPeak = (p99Ms: number) =>
	single(
		p99Ms,
		{
			target: "p99 at half the reserve peak",
			row: "reserve-half-peak",
			needs: "≤ 25 ms",
			threshold: 25,
		},
		0,
	);

describe("median and spread", () => {
	it("take the middle value, or the mean of the two middle values", () => {
		expect(median([0.9, 0.7, 0.8])).toBe(0.8);
		expect(median([0.7, 1.0, 0.8, 0.9])).toBe(0.85);
		expect(median([])).toBeNull();
		expect(spreadOf([0.72, null, 0.97, 0.92])).toEqual({
			median: 0.92,
			min: 0.72,
			max: 0.97,
			count: 3,
		});
		expect(spreadOf([null, null])).toBeNull();
	});

	it("straddle a threshold only with figures on both sides of it", () => {
		const spread = spreadOf([0.7, 0.85]);
		expect(straddles(spread, 0.8, true)).toBe(true);
		expect(straddles(spreadOf([0.8, 0.85]), 0.8, true)).toBe(false);
		expect(straddles(spreadOf([0.6, 0.79]), 0.8, true)).toBe(false);
		expect(straddles(spreadOf([20, 30]), 25, false)).toBe(true);
		expect(straddles(null, 0.8, true)).toBe(false);
	});
});

describe("a settled target", () => {
	it("is met or not met on the median when every repetition agrees", () => {
		const met = settleTarget([soldOut(0.92, 0.9), soldOut(0.85, 0.88), soldOut(0.95, 0.97)]);
		expect(met).toMatchObject({
			byRate: { median: 0.92, min: 0.85, max: 0.95, count: 3 },
			byCpu: { median: 0.9, min: 0.88, max: 0.97, count: 3 },
			medianVerdict: "met",
			unsettled: false,
			used: 3,
			of: 3,
			disturbedCount: 0,
		});
		expect(settledVerdict(met)).toBe("met");
		const notMet = settleTarget([soldOut(0.6, 0.7), soldOut(0.65, 0.72), soldOut(0.5, 0.71)]);
		expect(settledVerdict(notMet)).toBe("not met");
	});

	it("is unsettled when the repetitions fall on both sides, whatever the median says", () => {
		// The three runs of the eighth stop: sold-out 0.72×, 0.97× and 0.92× by CPU.
		const t = settleTarget([soldOut(0.92, 0.92), soldOut(0.74, 0.72), soldOut(0.96, 0.97)]);
		expect(t).toMatchObject({ medianVerdict: "met", unsettled: true });
		expect(settledVerdict(t)).toBe("unsettled (median: met)");
		// One measure straddling is enough: by req/s all meet, by CPU one does not.
		const cpuOnly = settleTarget([soldOut(0.9, 0.85), soldOut(0.9, 0.79), soldOut(0.9, 0.86)]);
		expect(settledVerdict(cpuOnly)).toBe("unsettled (median: met)");
	});

	it("says which measure meets it when the medians disagree", () => {
		const t = settleTarget([soldOut(0.7, 0.85), soldOut(0.75, 0.82), soldOut(0.72, 0.9)]);
		expect(settledVerdict(t)).toBe("met by CPU only");
	});

	it("leaves disturbed repetitions out while at least half were quiet", () => {
		const t = settleTarget([
			soldOut(0.9, 0.88),
			soldOut(0.5, 0.6, { row: 45 }),
			soldOut(0.86, 0.87),
			soldOut(0.88, 0.9, { readings: 30 }),
		]);
		expect(t).toMatchObject({ used: 2, of: 4, disturbedCount: 2, unsettled: false });
		expect(t.byCpu).toEqual({ median: 0.875, min: 0.87, max: 0.88, count: 2 });
		expect(settledVerdict(t)).toBe("met");
	});

	it("counts every repetition, and says so, when most were disturbed", () => {
		const t = settleTarget([
			soldOut(0.9, 0.88),
			soldOut(0.5, 0.6, { row: 45 }),
			soldOut(0.6, 0.7, { readings: 50 }),
		]);
		expect(t).toMatchObject({ used: 3, of: 3, disturbedCount: 2 });
		expect(settledVerdict(t)).toBe("unsettled (median: not met) (disturbed)");
	});

	it("decides p99 at half the peak on the median, lower is better", () => {
		expect(settledVerdict(settleTarget([halfPeak(20), halfPeak(24), halfPeak(22)]))).toBe("met");
		expect(settledVerdict(settleTarget([halfPeak(70), halfPeak(24), halfPeak(90)]))).toBe(
			"unsettled (median: not met)",
		);
	});

	it("decides zero oversell on the worst repetition, never the median", () => {
		const t = settleTarget([oversell(0), oversell(3), oversell(0)]);
		expect(t.byRate).toMatchObject({ median: 0, max: 3 });
		expect(settledVerdict(t)).toBe("not met");
		expect(settledVerdict(settleTarget([oversell(0), oversell(0)]))).toBe("met");
	});

	it("is not measured when no repetition measured it", () => {
		const t = settleTarget([soldOut(null, null), soldOut(null, null)]);
		expect(t).toMatchObject({ byRate: null, byCpu: null, medianVerdict: "not measured" });
	});
});

describe("settling every target", () => {
	it("pairs the repetitions target by target, and refuses repetitions that differ", () => {
		const settled = settleTargets([
			[soldOut(0.9, 0.9), oversell(0)],
			[soldOut(0.7, 0.7), oversell(0)],
			[soldOut(0.95, 0.96), oversell(0)],
		]);
		expect(settled.map((t) => t.row)).toEqual(["sold-out", "every row"]);
		expect(settled[0]).toMatchObject({ unsettled: true, of: 3 });
		expect(() => settleTargets([[soldOut(0.9, 0.9)], [oversell(0)]])).toThrow(/same targets/);
	});

	it("prints one line per target: medians with their range, the verdict, what counted", () => {
		const settled: SettledTarget[] = settleTargets([
			[soldOut(0.92, 0.92), halfPeak(70), oversell(0)],
			[soldOut(0.74, 0.72), halfPeak(80), oversell(0)],
			[soldOut(0.96, 0.97), halfPeak(75.5), oversell(0)],
		]);
		const lines = settledTable(settled).split("\n");
		expect(lines[0]).toBe(
			"| target | row | needs | by req/s: median (min–max) | by CPU: median (min–max) | verdict on the median | repetitions used | disturbed |",
		);
		expect(lines[2]).toBe(
			"| sold-out | sold-out | ≥ 0.80× own hello | 0.92× (0.74×–0.96×) | 0.92× (0.72×–0.97×) | unsettled (median: met) | 3 of 3 | 0 |",
		);
		expect(lines[3]).toBe(
			"| p99 at half the reserve peak | reserve-half-peak | ≤ 25 ms | 75.5 ms (70 ms–80 ms) | – | not met | 3 of 3 | 0 |",
		);
		expect(lines[4]).toBe("| zero oversell | every row | 0 units | 0 | – | met | 3 of 3 | 0 |");
	});
});
