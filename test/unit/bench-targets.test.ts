// The Targets table of docs/measurements/bench.md: every target of the hot-path issue evaluated
// from a run's rows, by req/s and by CPU per request (cli/bench/targets.ts).

import { describe, expect, it } from "vitest";
import { type BenchRow, type Reading, skippedRow } from "../../cli/bench/format.ts";
import { evaluateTargets, targetsTable } from "../../cli/bench/targets.ts";

function row(
	name: BenchRow["name"],
	reqPerSec: number,
	cpuUsPerReq: number | null,
	extra: Partial<BenchRow> = {},
): BenchRow {
	return {
		name,
		reqPerSec,
		latencyMs: { p50: 1, p95: 2, p99: 3 },
		oversell: 0,
		statusCounts: {},
		errors: 0,
		cpuUsPerReq,
		...extra,
	};
}

const around = (reqPerSec: number, cpuUsPerReq: number): Reading[] => [
	{ reqPerSec, cpuUsPerReq },
	{ reqPerSec, cpuUsPerReq },
];

/** A run where every target has a row: bare 16,000/s at 60 µs, our hellos 12,000/s at 80 µs. */
function run(): BenchRow[] {
	return [
		row("workerd-hello", 16_000, 60, { oversell: null }),
		row("hello", 12_000, 80, { oversell: null }),
		row("reserve", 3_200, 240, { workerdHelloAround: around(16_000, 60) }),
		row("reserve-half-peak", 1_600, 300, { latencyMs: { p50: 5, p95: 20, p99: 24.9 } }),
		row("sold-out", 9_000, 110, { helloAround: around(12_000, 80) }),
		row("availability", 10_000, 90, { helloAround: around(12_000, 80) }),
		row("checkout", 1_800, 480, { helloAround: around(12_000, 80) }),
		row("start-hello", 14_500, 65, { oversell: null, workerdHelloAround: around(16_000, 60) }),
		row("start-reserve", 3_000, 250),
		row("start-reserve-half-peak", 1_500, 310, { latencyMs: { p50: 6, p95: 30, p99: 80 } }),
		row("start-sold-out", 9_600, 95, { helloAround: around(12_000, 80), othersCpuDuring: 42 }),
		row("start-availability", 9_700, 100, { helloAround: around(12_000, 80) }),
		row("redis-lua", 14_000, 70),
	];
}

const find = (rows: BenchRow[], name: string) => {
	const result = evaluateTargets(rows).find((t) => t.row === name);
	if (!result) throw new Error(`no target for ${name}`);
	return result;
};

describe("the hot-path targets", () => {
	it("read `npm start` hello and reserve against bare workerd, by req/s and by CPU", () => {
		const rows = run();
		expect(find(rows, "start-hello")).toMatchObject({
			byRate: 0.91,
			byCpu: 0.92,
			verdict: "met",
		});
		expect(find(rows, "reserve")).toMatchObject({ byRate: 0.2, byCpu: 0.25, verdict: "not met" });
		// start-reserve has no readings of its own: the workerd-hello row is its baseline.
		expect(find(rows, "start-reserve")).toMatchObject({ byRate: 0.19, byCpu: 0.24 });
	});

	it("read sold-out, availability and checkout against the server's own hello", () => {
		const rows = run();
		expect(find(rows, "sold-out")).toMatchObject({ byRate: 0.75, byCpu: 0.73, verdict: "not met" });
		expect(find(rows, "availability")).toMatchObject({ byRate: 0.83, byCpu: 0.89, verdict: "met" });
		expect(find(rows, "start-sold-out")).toMatchObject({
			byRate: 0.8,
			byCpu: 0.84,
			verdict: "met",
		});
		expect(find(rows, "checkout")).toMatchObject({ byRate: 0.15, byCpu: 0.17, verdict: "not met" });
	});

	it("say which measure meets a target when only one does", () => {
		const rows = run().map((r) =>
			r.name === "start-availability" ? { ...r, reqPerSec: 9_000, cpuUsPerReq: 96 } : r,
		);
		// 9,000 / 12,000 = 0.75× by req/s; 80 / 96 = 0.83× by CPU.
		expect(find(rows, "start-availability")).toMatchObject({
			byRate: 0.75,
			byCpu: 0.83,
			verdict: "met by CPU only",
		});
		const faster = run().map((r) =>
			r.name === "checkout" ? { ...r, reqPerSec: 2_600, cpuUsPerReq: 500 } : r,
		);
		expect(find(faster, "checkout").verdict).toBe("met by req/s only");
	});

	it("hold p99 at half the peak to 25 ms, and zero oversell over every row with records", () => {
		const rows = run();
		expect(find(rows, "reserve-half-peak")).toMatchObject({ byRate: 24.9, verdict: "met" });
		expect(find(rows, "start-reserve-half-peak")).toMatchObject({ byRate: 80, verdict: "not met" });
		expect(find(rows, "every row")).toMatchObject({ byRate: 0, verdict: "met" });
		const oversold = run().map((r) => (r.name === "redis-lua" ? { ...r, oversell: 2 } : r));
		expect(find(oversold, "every row")).toMatchObject({ byRate: 2, verdict: "not met" });
		const unreadable = run().map((r) =>
			r.name === "sold-out" ? { ...r, oversell: Number.NaN } : r,
		);
		expect(find(unreadable, "every row").verdict).toBe("not met");
	});

	it("call a target whose row or baseline was not measured 'not measured', never met", () => {
		const rows = run().filter((r) => r.name !== "checkout");
		expect(find(rows, "checkout")).toMatchObject({ byRate: null, verdict: "not measured" });
		const noBare = [
			skippedRow("workerd-hello", "no workerd"),
			...run().filter((r) => r.name !== "workerd-hello"),
		].map((r) => (r.name === "start-hello" ? { ...r, workerdHelloAround: undefined } : r));
		expect(find(noBare, "start-hello").verdict).toBe("not measured");
		const cpuUnknown = run().map((r) => ({ ...r, cpuUsPerReq: null }));
		expect(find(cpuUnknown, "availability")).toMatchObject({ byCpu: null, verdict: "met" });
	});

	it("print one line per target with both figures and the verdict", () => {
		const lines = targetsTable(run()).split("\n");
		expect(lines[0]).toBe(
			"| target | row | needs | by req/s | by CPU | verdict | others' CPU during |",
		);
		expect(lines).toContain(
			"| `npm start` hello | start-hello | ≥ 0.90× workerd-hello | 0.91× | 0.92× | met | – |",
		);
		expect(lines).toContain(
			"| p99 at half the reserve peak | start-reserve-half-peak | ≤ 25 ms | 80 ms | – | not met | – |",
		);
		expect(lines).toContain(
			"| sold-out | start-sold-out | ≥ 0.80× own hello | 0.80× | 0.84× | met (disturbed) | 42% |",
		);
		expect(lines).toContain("| zero oversell | every row | 0 units | 0 | – | met | – |");
		expect(lines).toHaveLength(2 + 11);
	});

	it("mark a verdict read from a row other work disturbed, and only then", () => {
		const at = (others: number | null) =>
			targetsTable(
				run().map((r) => (r.name === "availability" ? { ...r, othersCpuDuring: others } : r)),
			)
				.split("\n")
				.find((line) => line.includes("| availability | availability |"));
		expect(at(21)).toContain("| met (disturbed) | 21% |");
		expect(at(20)).toContain("| met | 20% |");
		expect(at(null)).toContain("| met | – |");
	});

	it("mark it too when a baseline reading the ratio divides by was disturbed", () => {
		const withReadings = (others: number | undefined) =>
			run().map((r) =>
				r.name === "availability"
					? {
							...r,
							helloAround: [
								{ reqPerSec: 12_000, cpuUsPerReq: 80, othersCpuPercent: 3 },
								{ reqPerSec: 12_000, cpuUsPerReq: 80, othersCpuPercent: others },
							],
						}
					: r,
			);
		expect(find(withReadings(35), "availability")).toMatchObject({ baselineOthersCpu: 35 });
		const line = (rows: BenchRow[]) =>
			targetsTable(rows)
				.split("\n")
				.find((l) => l.includes("| availability | availability |"));
		// The row itself was quiet (others' CPU during: –); its second baseline reading was not.
		expect(line(withReadings(35))).toContain("| met (disturbed) | – |");
		expect(line(withReadings(20))).toContain("| met | – |");
		// A reading from a report before readings recorded it counts as unknown, not disturbed.
		expect(find(withReadings(undefined), "availability").baselineOthersCpu).toBe(3);
	});

	it("carry each target's bound and direction as numbers", () => {
		const rows = run();
		expect(find(rows, "reserve")).toMatchObject({ threshold: 0.35, atLeast: true });
		expect(find(rows, "sold-out")).toMatchObject({ threshold: 0.8, atLeast: true });
		expect(find(rows, "checkout")).toMatchObject({ threshold: 0.2, atLeast: true });
		expect(find(rows, "reserve-half-peak")).toMatchObject({ threshold: 25, atLeast: false });
		expect(find(rows, "every row")).toMatchObject({ threshold: 0, atLeast: false });
	});
});
