// The bench's ratios by CPU per request and against baselines read around each row
// (cli/bench/format.ts, cli/bench/baseline.ts), its baseline drift table, and the process-tree
// CPU meter the rows read (cli/lib/workerd-cpu.ts).

import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { bracketer, othersPercent, perRequest, type Reader } from "../../cli/bench/baseline.ts";
import {
	type BenchRow,
	cpuRatio,
	driftTable,
	markdownTable,
	ownBaseline,
	type Reading,
	rowRatios,
	spreadPercent,
	workerdBaseline,
} from "../../cli/bench/format.ts";
import { childPids, treeCpuMeter } from "../../cli/lib/workerd-cpu.ts";

function row(name: BenchRow["name"], reqPerSec: number, cpuUsPerReq: number | null): BenchRow {
	return {
		name,
		reqPerSec,
		latencyMs: { p50: 1, p95: 2, p99: 3 },
		oversell: 0,
		statusCounts: { 200: reqPerSec },
		errors: 0,
		busyCpuBefore: 0,
		cpuUsPerReq,
	};
}

const reading = (reqPerSec: number, cpuUsPerReq: number | null): Reading => ({
	reqPerSec,
	cpuUsPerReq,
});

describe("ratios by CPU per request", () => {
	it("divide the baseline's CPU per request by the row's, so cheaper is higher", () => {
		expect(cpuRatio(200, 80)).toBe(0.4);
		expect(cpuRatio(80, 80)).toBe(1);
		expect(cpuRatio(null, 80)).toBeNull();
		expect(cpuRatio(200, undefined)).toBeNull();
	});

	it("count CPU per response to a tenth of a µs, and none when /proc gave nothing", () => {
		expect(perRequest(1_234_560, 10_000, true)).toBe(123.5);
		expect(perRequest(0, 10_000, false)).toBeNull();
		expect(perRequest(5_000, 0, true)).toBeNull();
	});
});

describe("other work during a row", () => {
	it("is the machine's busy time less the server's and the generator's, as a share of all CPUs", () => {
		// 10 s on 2 CPUs = 2,000 jiffies; 1,800 busy = 18 s, of which the server 12 s, the generator 4 s.
		expect(
			othersPercent({
				machineBusyJiffies: 1_800,
				machineTotalJiffies: 2_000,
				serverUs: 12_000_000,
				selfUs: 4_000_000,
			}),
		).toBe(10);
		// Ticks are counted apart, so the difference can dip below zero: that is none.
		expect(
			othersPercent({
				machineBusyJiffies: 100,
				machineTotalJiffies: 2_000,
				serverUs: 1_100_000,
				selfUs: 0,
			}),
		).toBe(0);
		expect(
			othersPercent({ machineBusyJiffies: 0, machineTotalJiffies: 0, serverUs: 0, selfUs: 0 }),
		).toBeNull();
	});
});

describe("baselines around a row", () => {
	const rows = [
		row("workerd-hello", 16_000, 60),
		row("hello", 12_000, 80),
		{
			...row("sold-out", 8_000, 100),
			helloAround: [reading(10_000, 90), reading(6_000, 110)],
			workerdHelloAround: [reading(14_000, 64), reading(10_000, 56)],
		},
		row("start-hello", 11_000, 82),
		row("start-sold-out", 5_500, 164),
	];

	it("divide by the mean of the two readings around the row, not by the hello row", () => {
		const soldOut = rows[2] as BenchRow;
		expect(ownBaseline(rows, soldOut)).toEqual({ reqPerSec: 8_000, cpuUsPerReq: 100 });
		expect(workerdBaseline(rows, soldOut)).toEqual({ reqPerSec: 12_000, cpuUsPerReq: 60 });
		expect(rowRatios(rows, soldOut)).toEqual({
			helloByRate: 1,
			helloByCpu: 1,
			workerdByRate: 0.67,
			workerdByCpu: 0.6,
		});
	});

	it("fall back to the same server's hello row and bare workerd's row without readings", () => {
		expect(rowRatios(rows, rows[4] as BenchRow)).toEqual({
			helloByRate: 0.5,
			helloByCpu: 0.5,
			workerdByRate: 0.34,
			workerdByCpu: 0.37,
		});
	});

	it("give no CPU ratio when a reading around the row has no CPU figure", () => {
		const partial = {
			...row("availability", 9_000, 90),
			helloAround: [reading(10_000, 90), reading(10_000, null)],
		};
		expect(rowRatios([...rows, partial], partial).helloByCpu).toBeNull();
		expect(rowRatios([...rows, partial], partial).helloByRate).toBe(0.9);
	});

	it("show CPU per request and both CPU ratios in the table", () => {
		const line = markdownTable(rows).split("\n")[4];
		expect(line).toBe(
			"| sold-out | 8000 | 1 | 2 | 3 | 0 | – | 1.00× | 0.67× | – | 100 | 1.00× | 0.60× | 200:8000 | 0 | 0% | – |",
		);
	});
});

describe("the bracketer", () => {
	it("gives each row the reading before it and the one after it, for each baseline", async () => {
		let n = 0;
		const own: Reader = async () => reading(1_000 + n++, 50);
		const bare: Reader = async () => reading(2_000 + n++, 40);
		const brackets = bracketer(own, bare);
		brackets.start({ own: reading(999, 49), bare: reading(1_999, 39) });
		const first = await brackets.after({ name: "reserve" } as BenchRow);
		const second = await brackets.after({ name: "sold-out" } as BenchRow);
		expect(first.helloAround).toEqual([reading(999, 49), reading(1_000, 50)]);
		expect(first.workerdHelloAround).toEqual([reading(1_999, 39), reading(2_001, 40)]);
		expect(second.helloAround).toEqual([reading(1_000, 50), reading(1_002, 50)]);
		expect(second.workerdHelloAround).toEqual([reading(2_001, 40), reading(2_003, 40)]);
	});

	it("brackets only the baselines it reads", async () => {
		const brackets = bracketer(undefined, async () => reading(5, 5));
		brackets.start(await brackets.read("before"));
		const peer = await brackets.after({ name: "redis-lua" } as BenchRow);
		expect(peer.helloAround).toBeUndefined();
		expect(peer.workerdHelloAround).toEqual([reading(5, 5), reading(5, 5)]);
	});
});

describe("baseline drift", () => {
	it("is (max − min) ÷ mean in whole percent, and nothing for a single value", () => {
		expect(spreadPercent([9_000, 11_000])).toBe(20);
		expect(spreadPercent([100])).toBeNull();
		expect(spreadPercent([0, 5])).toBeNull();
	});

	it("prints each baseline's range and spread by req/s and by CPU", () => {
		const table = driftTable([
			{
				baseline: "hello",
				readings: [
					{ at: "hello row", reading: reading(9_000, 80) },
					{ at: "after reserve", reading: reading(11_000, 100) },
				],
			},
			{
				baseline: "start-hello",
				readings: [{ at: "start-hello row", reading: reading(8_000, null) }],
			},
		]).split("\n");
		expect(table[2]).toBe("| hello | 2 | 9000–11000 | 20% | 80–100 | 22% | – |");
		expect(table[3]).toBe("| start-hello | 1 | 8000 | – | – | – | – |");
	});

	it("prints the range of what other work took during the readings that recorded it", () => {
		const table = driftTable([
			{
				baseline: "workerd-hello",
				readings: [
					{ at: "workerd-hello row", reading: { ...reading(16_000, 60), othersCpuPercent: 2 } },
					{ at: "after hello", reading: { ...reading(9_000, 100), othersCpuPercent: 44 } },
					{ at: "after reserve", reading: reading(15_000, 62) },
				],
			},
		]).split("\n");
		expect(table[0]).toContain("| others' CPU during |");
		expect(table[2]).toBe("| workerd-hello | 3 | 9000–16000 | 53% | 60–100 | 54% | 2–44% |");
	});
});

describe("the process-tree CPU meter", () => {
	let child: ReturnType<typeof spawn> | undefined;
	afterEach(() => {
		if (child?.pid !== undefined) process.kill(-child.pid, "SIGKILL");
		child = undefined;
	});

	it("counts a busy grandchild under the root it is given, and nothing under an idle one", async () => {
		// A shell (the root) whose child spins: the meter must look below the root.
		child = spawn("sh", ["-c", `"${process.execPath}" -e "for(;;){}" & sleep 60`], {
			detached: true,
			stdio: "ignore",
		});
		const root = child.pid as number;
		expect(childPids()).toContain(root);
		const idle = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
		try {
			const busyMeter = treeCpuMeter(() => [root]).start();
			const idleMeter = treeCpuMeter(() => [idle.pid as number]).start();
			let busyUs = 0;
			for (let i = 0; i < 100 && busyUs === 0; i++) {
				await new Promise((resolve) => setTimeout(resolve, 100));
				busyUs = busyMeter();
			}
			expect(busyUs).toBeGreaterThan(0);
			expect(idleMeter()).toBe(0);
		} finally {
			if (idle.pid !== undefined) process.kill(-idle.pid, "SIGKILL");
		}
	});
});
