// The hot path's targets, evaluated from a bench run's own rows (never typed in): each by req/s
// and by CPU per request, with a verdict, for the Targets table at the end of
// docs/measurements/bench.md (docs/benchmarks.md, "Reading the table").

import {
	type BenchRow,
	fmtNumber,
	fmtRatio,
	measuredRow,
	type Reading,
	type RowName,
	rowRatios,
} from "./format.ts";

/** `npm start`'s hello against bare workerd's. */
export const START_HELLO_MIN_X_WORKERD = 0.9;
/** A durable reserve on one hot SKU against bare workerd's hello. */
export const RESERVE_MIN_X_WORKERD = 0.35;
/** Sold-out and availability, answered at the edge, against the server's own hello. */
export const READ_MIN_X_HELLO = 0.8;
/** A paid checkout against the server's own hello. */
export const CHECKOUT_MIN_X_HELLO = 0.2;
/** p99 of the reserve load paced at half the peak. */
export const HALF_PEAK_MAX_P99_MS = 25;
/**
 * Above this share of the machine taken by other work during a row, its verdict is marked
 * "disturbed": rows nothing disturbed read 2–8 % (kernel time charged to no process), rows run
 * beside other engineers' test suites 50–87 % (docs/hot-path/bench-method.md, "The bench reads CPU
 * per request").
 * The same bound marks a baseline reading disturbed (docs/decisions/064-settled-targets.md).
 */
export const DISTURBED_OTHERS_PERCENT = 20;

export type TargetVerdict =
	| "met"
	| "not met"
	| "met by CPU only"
	| "met by req/s only"
	| "not measured";

export type TargetResult = {
	target: string;
	row: RowName | "every row";
	needs: string;
	/** The figure by req/s (a ratio, or ms, or units for oversell); null when not measured. */
	byRate: number | null;
	/** The same ratio by CPU per request; null where the target has none or CPU was not read. */
	byCpu: number | null;
	verdict: TargetVerdict;
	/**
	 * What other work took of the machine during the row (BenchRow.othersCpuDuring): a verdict
	 * by req/s from a row that shared the machine says little about our code.
	 */
	othersCpuDuring: number | null;
	/**
	 * The most other work took during the baseline readings the ratio divides by (Reading
	 * .othersCpuPercent); null where the ratio has no readings or they did not record it. A
	 * disturbed reading skews the ratio as much as a disturbed row.
	 */
	baselineOthersCpu: number | null;
	/** What `needs` says as a number: the bound, and whether a figure must reach it or stay under it. */
	threshold: number;
	atLeast: boolean;
};

/** Whether `value` meets `threshold` in the target's direction. */
export function meets(value: number, threshold: number, atLeast: boolean): boolean {
	return atLeast ? value >= threshold : value <= threshold;
}

/** Whether a target's figure came from a row or baseline readings that other work disturbed. */
export function disturbed(t: TargetResult): boolean {
	return Math.max(t.othersCpuDuring ?? 0, t.baselineOthersCpu ?? 0) > DISTURBED_OTHERS_PERCENT;
}

/** The highest `othersCpuPercent` of the readings, null when none recorded it. */
function worstOthers(readings: readonly Reading[] | undefined): number | null {
	const known = (readings ?? []).flatMap((r) =>
		r.othersCpuPercent === null || r.othersCpuPercent === undefined ? [] : [r.othersCpuPercent],
	);
	return known.length === 0 ? null : Math.max(...known);
}

/**
 * Met by every measure there is; "not measured" when there is none. `checks` are by req/s, then
 * by CPU.
 */
export function verdictOf(checks: readonly (boolean | null)[]): TargetVerdict {
	const known = checks.filter((c): c is boolean => c !== null);
	if (known.length === 0) return "not measured";
	if (known.every(Boolean)) return "met";
	if (!known.some(Boolean)) return "not met";
	return checks[1] === true ? "met by CPU only" : "met by req/s only";
}

/** Every target of the hot-path issue, evaluated from this run's rows (missing rows: not measured). */
export function evaluateTargets(rows: readonly BenchRow[]): TargetResult[] {
	const results: TargetResult[] = [];
	const ratioTarget = (
		target: string,
		name: RowName,
		min: number,
		against: "workerd" | "hello",
	) => {
		const row = measuredRow(rows, name);
		const r = row === undefined ? undefined : rowRatios(rows, row);
		const byRate = r === undefined ? null : against === "workerd" ? r.workerdByRate : r.helloByRate;
		const byCpu = r === undefined ? null : against === "workerd" ? r.workerdByCpu : r.helloByCpu;
		results.push({
			target,
			row: name,
			needs: `≥ ${min.toFixed(2)}× ${against === "workerd" ? "workerd-hello" : "own hello"}`,
			byRate,
			byCpu,
			othersCpuDuring: row?.othersCpuDuring ?? null,
			baselineOthersCpu: worstOthers(
				against === "workerd" ? row?.workerdHelloAround : row?.helloAround,
			),
			threshold: min,
			atLeast: true,
			verdict: verdictOf([
				byRate === null ? null : byRate >= min,
				byCpu === null ? null : byCpu >= min,
			]),
		});
	};
	ratioTarget("`npm start` hello", "start-hello", START_HELLO_MIN_X_WORKERD, "workerd");
	ratioTarget("durable reserve, hot SKU", "reserve", RESERVE_MIN_X_WORKERD, "workerd");
	ratioTarget("durable reserve, hot SKU", "start-reserve", RESERVE_MIN_X_WORKERD, "workerd");
	for (const name of ["sold-out", "start-sold-out"] as const)
		ratioTarget("sold-out", name, READ_MIN_X_HELLO, "hello");
	for (const name of ["availability", "start-availability"] as const)
		ratioTarget("availability", name, READ_MIN_X_HELLO, "hello");
	ratioTarget("checkout", "checkout", CHECKOUT_MIN_X_HELLO, "hello");
	for (const name of ["reserve-half-peak", "start-reserve-half-peak"] as const) {
		const row = measuredRow(rows, name);
		const p99 = row?.latencyMs.p99 ?? null;
		results.push({
			target: "p99 at half the reserve peak",
			row: name,
			needs: `≤ ${HALF_PEAK_MAX_P99_MS} ms`,
			byRate: p99,
			byCpu: null,
			othersCpuDuring: row?.othersCpuDuring ?? null,
			baselineOthersCpu: null,
			threshold: HALF_PEAK_MAX_P99_MS,
			atLeast: false,
			verdict: verdictOf([p99 === null ? null : p99 <= HALF_PEAK_MAX_P99_MS]),
		});
	}
	// Every measured row that keeps records (ours and the peers); an unreadable count is not zero.
	const counted = rows.filter((row) => !row.skipped && row.oversell !== null);
	const oversell = counted.reduce((sum, row) => sum + (row.oversell as number), 0);
	results.push({
		target: "zero oversell",
		row: "every row",
		needs: "0 units",
		byRate: counted.length === 0 || Number.isNaN(oversell) ? null : oversell,
		byCpu: null,
		othersCpuDuring: null,
		baselineOthersCpu: null,
		threshold: 0,
		atLeast: false,
		verdict:
			counted.length === 0
				? "not measured"
				: Number.isNaN(oversell)
					? "not met"
					: verdictOf([oversell === 0]),
	});
	return results;
}

/** A target's figure as its `needs` reads: a ratio, milliseconds, or a count of units. */
export function fmtFigure(t: Pick<TargetResult, "needs">, value: number | null): string {
	if (t.needs.startsWith("≥")) return fmtRatio(value);
	if (t.needs.endsWith("ms")) return value === null ? "–" : `${value} ms`;
	return fmtNumber(value);
}

export function targetsTable(rows: readonly BenchRow[]): string {
	const lines = [
		"| target | row | needs | by req/s | by CPU | verdict | others' CPU during |",
		"|---|---|---|---:|---:|---|---:|",
	];
	for (const t of evaluateTargets(rows)) {
		lines.push(
			`| ${t.target} | ${t.row} | ${t.needs} | ${fmtFigure(t, t.byRate)} | ${fmtRatio(t.byCpu)} | ${t.verdict}${disturbed(t) ? " (disturbed)" : ""} | ${t.othersCpuDuring === null ? "–" : `${t.othersCpuDuring}%`} |`,
		);
	}
	return lines.join("\n");
}
