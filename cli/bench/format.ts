// Pure shaping of benchmark results: ratios, the Markdown table, the --json line. No I/O here,
// so test/unit/bench-format.test.ts can check it without running anything.

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

function fmtRatio(value: number | null): string {
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

/** The hello row a row's "× hello" divides by: the same server's. */
function ownHello(rows: readonly BenchRow[], row: BenchRow): number | undefined {
	const name: RowName = START_ROWS.includes(row.name) ? "start-hello" : "hello";
	return rows.find((candidate) => candidate.name === name && !candidate.skipped)?.reqPerSec;
}

function fmtNumber(value: number | null | undefined): string {
	return value === null || value === undefined ? "–" : String(value);
}

export function markdownTable(rows: readonly BenchRow[]): string {
	const workerdHello = rows.find((row) => row.name === "workerd-hello" && !row.skipped)?.reqPerSec;
	const best = bestPeer(rows);
	const lines = [
		`| row | req/s | p50 ms | p95 ms | p99 ms | oversell | decisions/commit | × hello | × workerd-hello | × best peer${best ? ` (${best.name})` : ""} | statuses | errors | busy CPU before |`,
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
	];
	for (const row of rows) {
		if (row.skipped) {
			lines.push(`| ${row.name} | skipped: ${row.skipped} | | | | | | | | | | | |`);
			continue;
		}
		const { p50, p95, p99 } = row.latencyMs;
		lines.push(
			`| ${row.name} | ${row.reqPerSec} | ${p50} | ${p95} | ${p99} | ${fmtNumber(row.oversell)} | ${fmtNumber(row.decisionsPerCommit)} | ${fmtRatio(ratio(row.reqPerSec, ownHello(rows, row)))} | ${fmtRatio(ratio(row.reqPerSec, workerdHello))} | ${fmtRatio(ratio(row.reqPerSec, best?.reqPerSec))} | ${fmtStatuses(row.statusCounts)} | ${row.errors} | ${fmtBusy(row.busyCpuBefore)} |`,
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
