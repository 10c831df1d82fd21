// Pure shaping of benchmark results: ratios (by req/s and by CPU per request), the Markdown
// tables (rows, baseline drift; the targets are in cli/bench/targets.ts), the --json line. No I/O
// here, so test/unit/bench-format.test.ts can check it without running anything.

export const ROW_NAMES = [
	// The runtime's ceilings: bare workerd, and a POST that parses a JSON body on the lean runtime.
	"workerd-hello",
	"post-json-hello",
	// Our worker on the lean runtime, started by the bench.
	"hello",
	"reserve",
	// Reserve paced at half the reserve row's req/s of the same run: the latency of a busy, not
	// saturated, hot SKU (target p99 ≤ 25 ms).
	"reserve-half-peak",
	"sold-out",
	"availability",
	"checkout",
	// The same worker as `npm start` runs it (scripts/start.ts, its own process).
	"start-hello",
	"start-reserve",
	"start-reserve-half-peak",
	"start-sold-out",
	"start-availability",
	// Only with --dev-hello: `npm run dev` (wrangler dev, the development proxy), for comparison.
	"dev-hello",
	"redis-lua",
	"postgres-row-lock",
	"single-writer",
] as const;
export type RowName = (typeof ROW_NAMES)[number];
export const PEER_ROWS: readonly RowName[] = ["redis-lua", "postgres-row-lock", "single-writer"];
/** Rows measured against `npm start`; their "× hello" is to `start-hello`, the same server's. */
export const START_ROWS: readonly RowName[] = [
	"start-hello",
	"start-reserve",
	"start-reserve-half-peak",
	"start-sold-out",
	"start-availability",
];

/**
 * A short hello run next to the rows (cli/bench/baseline.ts): what the rows' ratios divide by,
 * read before and after each row so that a machine that drifts during a run moves the baseline
 * with it instead of skewing the ratio.
 */
export type Reading = {
	reqPerSec: number;
	cpuUsPerReq: number | null;
	/**
	 * The share of all CPUs (%) other work took during the reading (as BenchRow.othersCpuDuring):
	 * a reading's drift is mostly this (docs/decisions/064-settled-targets.md). Absent in reports
	 * from before it was read.
	 */
	othersCpuPercent?: number | null;
	/**
	 * The server's own CPU (% of one CPU) in the 200 ms just before the reading
	 * (cli/bench/baseline.ts settle): above 5 %, a row's leftovers were still running when the
	 * settle wait gave up. Kept in the report only.
	 */
	serverCpuBeforePercent?: number;
};

export type BenchRow = {
	name: RowName;
	reqPerSec: number;
	latencyMs: { p50: number; p95: number; p99: number };
	/** Units sold or held beyond stock, from the system's own records; null when not applicable. */
	oversell: number | null;
	/** Responses by HTTP status, to show that a row measured what it claims (e.g. 409s for sold-out). */
	statusCounts: Record<number, number>;
	errors: number;
	/**
	 * Attempts decided per durable commit during the run, from the SKU's stats (`decisions` and
	 * `commits`, read before and after); null when the stats do not report them or nothing committed.
	 */
	decisionsPerCommit?: number | null;
	/** How busy the CPUs were (other processes, %) just before the row ran; null if unknown. */
	busyCpuBefore?: number | null;
	/**
	 * The share of all CPUs (%) that other work took during the row's run: the machine's busy
	 * time less the server's tree and the bench's own process (the load generator); null if unknown.
	 */
	othersCpuDuring?: number | null;
	/**
	 * CPU µs per response of the server's whole process tree during the run (/proc; the bare or
	 * lean runtime's workerd, `npm start`'s Node and workerd, a peer's Node process and its
	 * engine); null where /proc is not readable.
	 */
	cpuUsPerReq?: number | null;
	/** The same server's hello read just before and just after this row; "× hello" divides by their mean. */
	helloAround?: Reading[];
	/** Bare workerd's hello read just before and just after this row; "× workerd-hello" divides by their mean. */
	workerdHelloAround?: Reading[];
	/** Set when the row could not be measured; the numbers are then zero. */
	skipped?: string;
};

/** `value / base` to two decimals, or null when either side is missing or zero. */
export function ratio(value: number, base: number | undefined): number | null {
	if (base === undefined || !(base > 0) || !(value > 0)) return null;
	return Math.round((value / base) * 100) / 100;
}

/** A SKU's batching counters (GET …/stats `decisions` and `commits`), when it reports them. */
export type CommitCounters = { decisions: number; commits: number };

export function commitCounters(stats: Record<string, unknown>): CommitCounters | null {
	const { decisions, commits } = stats;
	return typeof decisions === "number" && typeof commits === "number"
		? { decisions, commits }
		: null;
}

/** Decisions per commit between two readings, to two decimals; null when unknown or nothing committed. */
export function decisionsPerCommit(
	before: CommitCounters | null,
	after: CommitCounters | null,
): number | null {
	if (before === null || after === null) return null;
	const commits = after.commits - before.commits;
	if (!(commits > 0)) return null;
	return Math.round(((after.decisions - before.decisions) / commits) * 100) / 100;
}

/** The fastest measured peer (req/s), the yardstick for "ratio to best peer". */
export function bestPeer(rows: readonly BenchRow[]): BenchRow | undefined {
	const peers = rows.filter((row) => PEER_ROWS.includes(row.name) && !row.skipped);
	return peers.reduce<BenchRow | undefined>(
		(best, row) => (best === undefined || row.reqPerSec > best.reqPerSec ? row : best),
		undefined,
	);
}

export function fmtRatio(value: number | null): string {
	return value === null ? "–" : `${value.toFixed(2)}×`;
}

function fmtStatuses(counts: Record<number, number>): string {
	const parts = Object.entries(counts)
		.sort(([a], [b]) => Number(a) - Number(b))
		.map(([status, count]) => `${status}:${count}`);
	return parts.length > 0 ? parts.join(" ") : "–";
}

function fmtBusy(value: number | null | undefined): string {
	return value === null || value === undefined ? "–" : `${value}%`;
}

/** What a ratio divides by: a mean hello, by req/s and by CPU µs per request. */
export type Baseline = { reqPerSec: number | undefined; cpuUsPerReq: number | undefined };

/** The mean of numbers all present, else undefined (a baseline with a hole is no baseline). */
function meanOf(values: readonly (number | null | undefined)[]): number | undefined {
	if (values.length === 0 || values.some((v) => v === null || v === undefined || !(v > 0)))
		return undefined;
	return (values as number[]).reduce((sum, v) => sum + v, 0) / values.length;
}

function baselineOf(
	readings: readonly Reading[] | undefined,
	fallback: BenchRow | undefined,
): Baseline {
	if (readings !== undefined && readings.length > 0)
		return {
			reqPerSec: meanOf(readings.map((r) => r.reqPerSec)),
			cpuUsPerReq: meanOf(readings.map((r) => r.cpuUsPerReq)),
		};
	return {
		reqPerSec: fallback?.reqPerSec,
		cpuUsPerReq: fallback?.cpuUsPerReq ?? undefined,
	};
}

export function measuredRow(rows: readonly BenchRow[], name: RowName): BenchRow | undefined {
	return rows.find((candidate) => candidate.name === name && !candidate.skipped);
}

/**
 * What a row's "× hello" divides by: the same server's hello readings around the row, or, for
 * a row measured without them (the hello rows themselves, the peers), the hello row of the same
 * server (`start-` rows: `start-hello`; all others: `hello`).
 */
export function ownBaseline(rows: readonly BenchRow[], row: BenchRow): Baseline {
	const name: RowName = START_ROWS.includes(row.name) ? "start-hello" : "hello";
	return baselineOf(row.helloAround, measuredRow(rows, name));
}

/** What a row's "× workerd-hello" divides by: bare workerd's readings around it, else its row. */
export function workerdBaseline(rows: readonly BenchRow[], row: BenchRow): Baseline {
	return baselineOf(row.workerdHelloAround, measuredRow(rows, "workerd-hello"));
}

/**
 * A row's ratio to a baseline by CPU: the baseline's CPU per request over the row's, so that,
 * like the req/s ratio, 0.5× means "costs twice the baseline's request".
 */
export function cpuRatio(
	rowCpuUs: number | null | undefined,
	baselineCpuUs: number | undefined,
): number | null {
	if (rowCpuUs === null || rowCpuUs === undefined) return null;
	return ratio(baselineCpuUs ?? 0, rowCpuUs);
}

/** A row's four ratios: to its own hello and to bare workerd's, by req/s and by CPU. */
export function rowRatios(
	rows: readonly BenchRow[],
	row: BenchRow,
): {
	helloByRate: number | null;
	helloByCpu: number | null;
	workerdByRate: number | null;
	workerdByCpu: number | null;
} {
	const own = ownBaseline(rows, row);
	const bare = workerdBaseline(rows, row);
	return {
		helloByRate: ratio(row.reqPerSec, own.reqPerSec),
		helloByCpu: cpuRatio(row.cpuUsPerReq, own.cpuUsPerReq),
		workerdByRate: ratio(row.reqPerSec, bare.reqPerSec),
		workerdByCpu: cpuRatio(row.cpuUsPerReq, bare.cpuUsPerReq),
	};
}

export function fmtNumber(value: number | null | undefined): string {
	return value === null || value === undefined ? "–" : String(value);
}

export function markdownTable(rows: readonly BenchRow[]): string {
	const best = bestPeer(rows);
	const lines = [
		`| row | req/s | p50 ms | p95 ms | p99 ms | oversell | decisions/commit | × hello | × workerd-hello | × best peer${best ? ` (${best.name})` : ""} | CPU µs/req | × hello by CPU | × workerd-hello by CPU | statuses | errors | busy CPU before | others' CPU during |`,
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
	];
	for (const row of rows) {
		if (row.skipped) {
			lines.push(`| ${row.name} | skipped: ${row.skipped} | | | | | | | | | | | | | | | |`);
			continue;
		}
		const { p50, p95, p99 } = row.latencyMs;
		const r = rowRatios(rows, row);
		lines.push(
			`| ${row.name} | ${row.reqPerSec} | ${p50} | ${p95} | ${p99} | ${fmtNumber(row.oversell)} | ${fmtNumber(row.decisionsPerCommit)} | ${fmtRatio(r.helloByRate)} | ${fmtRatio(r.workerdByRate)} | ${fmtRatio(ratio(row.reqPerSec, best?.reqPerSec))} | ${fmtNumber(row.cpuUsPerReq)} | ${fmtRatio(r.helloByCpu)} | ${fmtRatio(r.workerdByCpu)} | ${fmtStatuses(row.statusCounts)} | ${row.errors} | ${fmtBusy(row.busyCpuBefore)} | ${fmtBusy(row.othersCpuDuring)} |`,
		);
	}
	return lines.join("\n");
}

/** One baseline's readings over a run, in order: `at` says which row each follows or precedes. */
export type BaselineSeries = {
	baseline: string;
	readings: readonly { at: string; reading: Reading }[];
};

/** (max − min) ÷ mean, in whole percent; null with fewer than two values. */
export function spreadPercent(values: readonly number[]): number | null {
	if (values.length < 2 || values.some((v) => !(v > 0))) return null;
	const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
	return Math.round(((Math.max(...values) - Math.min(...values)) / mean) * 100);
}

function fmtRange(values: readonly number[]): string {
	if (values.length === 0) return "–";
	const lo = Math.min(...values);
	const hi = Math.max(...values);
	return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/**
 * How far each baseline moved during the run: its readings' range and spread by req/s and by CPU
 * per request, and the range of what other work took of the machine during them. A row's ratio
 * divides by the two readings around it, so a spread here is drift the ratios did not absorb only
 * between two neighbouring readings.
 */
export function driftTable(series: readonly BaselineSeries[]): string {
	const lines = [
		"| baseline | readings | req/s | spread | CPU µs/req | spread | others' CPU during |",
		"|---|---:|---:|---:|---:|---:|---:|",
	];
	for (const { baseline, readings } of series) {
		const rates = readings.map(({ reading }) => reading.reqPerSec);
		const cpu = readings.flatMap(({ reading }) =>
			reading.cpuUsPerReq === null ? [] : [reading.cpuUsPerReq],
		);
		const others = readings.flatMap(({ reading }) =>
			reading.othersCpuPercent === null || reading.othersCpuPercent === undefined
				? []
				: [reading.othersCpuPercent],
		);
		const pct = (v: number | null) => (v === null ? "–" : `${v}%`);
		lines.push(
			`| ${baseline} | ${readings.length} | ${fmtRange(rates)} | ${pct(spreadPercent(rates))} | ${fmtRange(cpu)} | ${pct(cpu.length === readings.length ? spreadPercent(cpu) : null)} | ${others.length === 0 ? "–" : `${fmtRange(others)}%`} |`,
		);
	}
	return lines.join("\n");
}

/** The machine-readable last stdout line of `npm run bench -- --json`. */
export function jsonLine(rows: readonly BenchRow[]): string {
	return JSON.stringify({
		rows: rows.map((row) => ({
			name: row.name,
			reqPerSec: row.reqPerSec,
			latencyMs: { p50: row.latencyMs.p50, p95: row.latencyMs.p95, p99: row.latencyMs.p99 },
			oversell: row.oversell,
			...(row.skipped ? { skipped: row.skipped } : {}),
		})),
	});
}

export function skippedRow(name: RowName, reason: string): BenchRow {
	return {
		name,
		reqPerSec: 0,
		latencyMs: { p50: 0, p95: 0, p99: 0 },
		oversell: null,
		statusCounts: {},
		errors: 0,
		skipped: reason,
	};
}
