// Settled target verdicts: the hot path's targets (cli/bench/targets.ts) evaluated in each of N
// repetitions of the rows they read, then decided on the median. One run cannot settle a target
// near its threshold: bare workerd's hello, which every ratio divides by, moves by a third
// between readings seconds apart whenever other work shares the two vCPUs
// (docs/decisions/064-settled-targets.md). A target whose repetitions fall on both sides of its
// threshold is "unsettled", whatever the median says. Pure: test/unit/bench-settle.test.ts.

import { fmtNumber } from "./format.ts";
import {
	disturbed,
	fmtFigure,
	meets,
	type TargetResult,
	type TargetVerdict,
	verdictOf,
} from "./targets.ts";

/** The figures of one measure over the repetitions that count. */
export type Spread = { median: number; min: number; max: number; count: number };

export type SettledTarget = Pick<
	TargetResult,
	"target" | "row" | "needs" | "threshold" | "atLeast"
> & {
	byRate: Spread | null;
	byCpu: Spread | null;
	/** The verdict the medians give (targets.ts verdictOf). */
	medianVerdict: TargetVerdict;
	/** Some repetition's figure (by either measure) fell on the other side of the threshold. */
	unsettled: boolean;
	/** Repetitions whose figures count, of the repetitions run. */
	used: number;
	of: number;
	/** How many repetitions other work disturbed (row or baseline readings, targets.ts disturbed). */
	disturbedCount: number;
};

/** The middle value, or the mean of the two middle values; null for none. */
export function median(values: readonly number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	const value =
		sorted.length % 2 === 1
			? (sorted[mid] as number)
			: ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
	return Math.round(value * 1000) / 1000;
}

export function spreadOf(values: readonly (number | null)[]): Spread | null {
	const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
	const mid = median(known);
	if (mid === null) return null;
	return { median: mid, min: Math.min(...known), max: Math.max(...known), count: known.length };
}

/** Whether the spread's range holds figures on both sides of the threshold. */
export function straddles(spread: Spread | null, threshold: number, atLeast: boolean): boolean {
	if (spread === null) return false;
	return meets(spread.min, threshold, atLeast) !== meets(spread.max, threshold, atLeast);
}

/**
 * One target over its repetitions. Repetitions other work disturbed are left out while at least
 * half of them were not; with fewer, all count and the verdict is marked. Zero oversell is
 * decided on the worst repetition, never the median: one oversold unit is a failure.
 */
export function settleTarget(results: readonly TargetResult[]): SettledTarget {
	const first = results[0];
	if (first === undefined) throw new Error("settleTarget needs at least one repetition");
	const quiet = results.filter((r) => !disturbed(r));
	const counted = quiet.length * 2 >= results.length ? quiet : results;
	const byRate = spreadOf(counted.map((r) => r.byRate));
	const byCpu = spreadOf(counted.map((r) => r.byCpu));
	const worstOnly = first.row === "every row";
	const decide = (spread: Spread | null): boolean | null =>
		spread === null
			? null
			: meets(worstOnly ? spread.max : spread.median, first.threshold, first.atLeast);
	return {
		target: first.target,
		row: first.row,
		needs: first.needs,
		threshold: first.threshold,
		atLeast: first.atLeast,
		byRate,
		byCpu,
		medianVerdict: verdictOf([decide(byRate), decide(byCpu)]),
		unsettled:
			!worstOnly &&
			(straddles(byRate, first.threshold, first.atLeast) ||
				straddles(byCpu, first.threshold, first.atLeast)),
		used: counted.length,
		of: results.length,
		disturbedCount: results.length - quiet.length,
	};
}

/**
 * Every target over the repetitions: `runs[i]` is evaluateTargets of repetition i, and every
 * repetition lists the same targets in the same order.
 */
export function settleTargets(runs: readonly (readonly TargetResult[])[]): SettledTarget[] {
	const first = runs[0] ?? [];
	return first.map((_, i) =>
		settleTarget(
			runs.map((run) => {
				const result = run[i];
				if (result === undefined || result.row !== first[i]?.row)
					throw new Error("every repetition must evaluate the same targets");
				return result;
			}),
		),
	);
}

/** "met", "not met", … or "unsettled (median: …)"; "(disturbed)" when disturbed figures had to count. */
export function settledVerdict(t: SettledTarget): string {
	const verdict = t.unsettled ? `unsettled (median: ${t.medianVerdict})` : t.medianVerdict;
	return t.disturbedCount > 0 && t.used === t.of ? `${verdict} (disturbed)` : verdict;
}

function fmtSpread(t: SettledTarget, spread: Spread | null): string {
	if (spread === null) return "–";
	const range =
		spread.min === spread.max ? "" : ` (${fmtFigure(t, spread.min)}–${fmtFigure(t, spread.max)})`;
	return `${fmtFigure(t, spread.median)}${range}`;
}

export function settledTable(settled: readonly SettledTarget[]): string {
	const lines = [
		"| target | row | needs | by req/s: median (min–max) | by CPU: median (min–max) | verdict on the median | repetitions used | disturbed |",
		"|---|---|---|---:|---:|---|---:|---:|",
	];
	for (const t of settled)
		lines.push(
			`| ${t.target} | ${t.row} | ${t.needs} | ${fmtSpread(t, t.byRate)} | ${fmtSpread(t, t.byCpu)} | ${settledVerdict(t)} | ${t.used} of ${t.of} | ${fmtNumber(t.disturbedCount)} |`,
		);
	return lines.join("\n");
}
