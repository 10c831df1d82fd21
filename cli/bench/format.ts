// Pure shaping of benchmark results: ratios, the Markdown table, the --json line. No I/O here,
// so test/unit/bench-format.test.ts can check it without running anything.

export const ROW_NAMES = [
	"hello",
	"reserve",
	"sold-out",
	"availability",
	"checkout",
	"redis-lua",
	"postgres-row-lock",
	"single-writer",
] as const;
export type RowName = (typeof ROW_NAMES)[number];
export const PEER_ROWS: readonly RowName[] = ["redis-lua", "postgres-row-lock", "single-writer"];

export type BenchRow = {
	name: RowName;
	reqPerSec: number;
	latencyMs: { p50: number; p95: number; p99: number };
	/** Units sold or held beyond stock, from the system's own records; null when not applicable. */
	oversell: number | null;
	/** Responses by HTTP status, to show that a row measured what it claims (e.g. 409s for sold-out). */
	statusCounts: Record<number, number>;
	errors: number;
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

export function markdownTable(rows: readonly BenchRow[]): string {
	const hello = rows.find((row) => row.name === "hello" && !row.skipped)?.reqPerSec;
	const best = bestPeer(rows);
	const lines = [
		`| row | req/s | p50 ms | p95 ms | p99 ms | oversell | × hello | × best peer${best ? ` (${best.name})` : ""} | statuses | errors | busy CPU before |`,
		"|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
	];
	for (const row of rows) {
		if (row.skipped) {
			lines.push(`| ${row.name} | skipped: ${row.skipped} | | | | | | | | | |`);
			continue;
		}
		const { p50, p95, p99 } = row.latencyMs;
		lines.push(
			`| ${row.name} | ${row.reqPerSec} | ${p50} | ${p95} | ${p99} | ${row.oversell ?? "–"} | ${fmtRatio(ratio(row.reqPerSec, hello))} | ${fmtRatio(ratio(row.reqPerSec, best?.reqPerSec))} | ${fmtStatuses(row.statusCounts)} | ${row.errors} | ${fmtBusy(row.busyCpuBefore)} |`,
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
