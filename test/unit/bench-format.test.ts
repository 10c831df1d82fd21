import { describe, expect, it } from "vitest";
import {
	type BenchRow,
	bestPeer,
	commitCounters,
	decisionsPerCommit,
	jsonLine,
	markdownTable,
	ROW_NAMES,
	ratio,
	skippedRow,
} from "../../cli/bench/format.ts";

function row(name: BenchRow["name"], reqPerSec: number, oversell: number | null = 0): BenchRow {
	return {
		name,
		reqPerSec,
		latencyMs: { p50: 1.5, p95: 3, p99: 9.25 },
		oversell,
		statusCounts: { 201: reqPerSec },
		errors: 0,
		busyCpuBefore: 7,
	};
}

describe("bench ratios", () => {
	it("divides to two decimals", () => {
		expect(ratio(1_861, 5_056)).toBe(0.37);
		expect(ratio(5_000, 5_000)).toBe(1);
	});

	it("gives no ratio when a side is missing or zero", () => {
		expect(ratio(100, undefined)).toBeNull();
		expect(ratio(100, 0)).toBeNull();
		expect(ratio(0, 100)).toBeNull();
	});

	it("picks the fastest measured peer, ignoring our rows and skipped peers", () => {
		const rows = [
			row("hello", 99_999),
			row("redis-lua", 7_000),
			skippedRow("postgres-row-lock", "postgres could not be started"),
			row("single-writer", 5_000),
		];
		expect(bestPeer(rows)?.name).toBe("redis-lua");
		expect(bestPeer([row("hello", 1), skippedRow("redis-lua", "no redis")])).toBeUndefined();
	});
});

describe("bench table", () => {
	it("shows ratios to hello, to bare workerd and to the best peer, and marks skipped rows", () => {
		const table = markdownTable([
			row("workerd-hello", 8_000, null),
			row("hello", 4_000, null),
			{ ...row("reserve", 2_000), decisionsPerCommit: 12.5 },
			row("redis-lua", 8_000),
			skippedRow("single-writer", "postgres could not be started: not installed"),
		]);
		const lines = table.split("\n");
		expect(lines[0]).toContain("| decisions/commit | × hello | × workerd-hello |");
		expect(lines[0]).toContain("× best peer (redis-lua)");
		expect(lines[0]).toContain("| CPU µs/req | × hello by CPU | × workerd-hello by CPU |");
		expect(lines[1]?.split("|").length).toBe(lines[0]?.split("|").length);
		expect(lines[2]).toBe(
			"| workerd-hello | 8000 | 1.5 | 3 | 9.25 | – | – | 2.00× | 1.00× | 1.00× | – | – | – | 201:8000 | 0 | 7% | – |",
		);
		expect(lines[3]).toBe(
			"| hello | 4000 | 1.5 | 3 | 9.25 | – | – | 1.00× | 0.50× | 0.50× | – | – | – | 201:4000 | 0 | 7% | – |",
		);
		expect(lines[4]).toBe(
			"| reserve | 2000 | 1.5 | 3 | 9.25 | 0 | 12.5 | 0.50× | 0.25× | 0.25× | – | – | – | 201:2000 | 0 | 7% | – |",
		);
		expect(lines[6]).toContain("skipped: postgres could not be started: not installed");
	});

	it("divides npm start's rows by npm start's own hello", () => {
		const lines = markdownTable([
			row("workerd-hello", 10_000, null),
			row("hello", 5_000, null),
			row("start-hello", 8_000, null),
			row("start-reserve", 2_000),
		]).split("\n");
		expect(lines[4]).toContain("| start-hello | 8000 |");
		expect(lines[4]).toContain("| 1.00× | 0.80× |");
		expect(lines[5]).toContain("| 0.25× | 0.20× |");
	});
});

describe("decisions per commit", () => {
	it("reads the stats' counters only when both are numbers", () => {
		expect(commitCounters({ decisions: 40, commits: 4, oversellCount: 0 })).toEqual({
			decisions: 40,
			commits: 4,
		});
		expect(commitCounters({ oversellCount: 0 })).toBeNull();
		expect(commitCounters({ decisions: "40", commits: 4 })).toBeNull();
	});

	it("divides the run's increments, and gives none without counters or commits", () => {
		expect(decisionsPerCommit({ decisions: 10, commits: 2 }, { decisions: 110, commits: 10 })).toBe(
			12.5,
		);
		expect(decisionsPerCommit(null, { decisions: 1, commits: 1 })).toBeNull();
		expect(
			decisionsPerCommit({ decisions: 5, commits: 5 }, { decisions: 5, commits: 5 }),
		).toBeNull();
	});
});

describe("bench --json line", () => {
	it("keeps exactly the documented fields per row, in order", () => {
		const parsed = JSON.parse(jsonLine(ROW_NAMES.map((name) => row(name, 10)))) as {
			rows: Record<string, unknown>[];
		};
		expect(parsed.rows.map((r) => r.name)).toEqual([...ROW_NAMES]);
		expect(parsed.rows.find((r) => r.name === "hello")).toEqual({
			name: "hello",
			reqPerSec: 10,
			latencyMs: { p50: 1.5, p95: 3, p99: 9.25 },
			oversell: 0,
		});
	});

	it("says why a row was skipped", () => {
		const parsed = JSON.parse(jsonLine([skippedRow("redis-lua", "no redis")])) as {
			rows: Record<string, unknown>[];
		};
		expect(parsed.rows[0]).toMatchObject({ name: "redis-lua", reqPerSec: 0, skipped: "no redis" });
	});
});
