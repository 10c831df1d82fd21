import { describe, expect, it } from "vitest";
import {
	type BenchRow,
	bestPeer,
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
	it("shows ratios to hello and to the best peer, and marks skipped rows", () => {
		const table = markdownTable([
			row("hello", 4_000, null),
			row("reserve", 2_000),
			row("redis-lua", 8_000),
			skippedRow("single-writer", "postgres could not be started: not installed"),
		]);
		const lines = table.split("\n");
		expect(lines[0]).toContain("× best peer (redis-lua)");
		expect(lines[2]).toBe(
			"| hello | 4000 | 1.5 | 3 | 9.25 | – | 1.00× | 0.50× | 201:4000 | 0 | 7% |",
		);
		expect(lines[3]).toBe(
			"| reserve | 2000 | 1.5 | 3 | 9.25 | 0 | 0.50× | 0.25× | 201:2000 | 0 | 7% |",
		);
		expect(lines[5]).toContain("skipped: postgres could not be started: not installed");
	});
});

describe("bench --json line", () => {
	it("keeps exactly the documented fields per row, in order", () => {
		const parsed = JSON.parse(jsonLine(ROW_NAMES.map((name) => row(name, 10)))) as {
			rows: Record<string, unknown>[];
		};
		expect(parsed.rows.map((r) => r.name)).toEqual([...ROW_NAMES]);
		expect(parsed.rows[0]).toEqual({
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
