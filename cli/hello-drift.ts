// `node cli/hello-drift.ts [readings] [--seconds S] [--connections C] [--after-ours] [--pin]`: what moves bare workerd's
// hello between readings seconds apart. The bench divides every row by such readings
// (cli/bench/baseline.ts), and within one run on a quiet machine they spread by 36–61 %. This
// probe takes `readings` (default 20) readings of bare workerd's hello exactly as the bench does
// (the same worker, load and settle wait; S s each, default 2), and around each one what the
// machine did (cli/lib/machine-signals.ts): steal per CPU, interrupt and softirq time, the
// ksoftirqd threads, CPU pressure, a fixed calibration loop timed in this process before and
// after, the load generator's own CPU per request (this process runs autocannon), and workerd's
// RSS and context switches. It prints one JSON line per reading, then Pearson's r of workerd's
// CPU µs per request and of req/s with each signal. With --after-ours, the bench's own worker (lean
// runtime) runs too, and every other bare reading follows a reading of its /healthz, as in the
// bench's brackets (cli/bench/baseline.ts bracketer): whether what our worker does after its
// hello (cost-ledger and outbox flushes) lands in bare workerd's next reading, measured as our
// worker's CPU during that reading. With --pin, every other reading runs bare workerd on CPU 1 and
// this process (the load generator) on CPU 0 (`taskset`, every thread), the others on both CPUs
// as the scheduler likes: whether where the scheduler puts the two moves the readings, compared
// in the same minutes. Run it under `flock /tmp/rg-bench.lock`.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measuredLoad, settle } from "./bench/baseline.ts";
import { bareHelloLoad, startBareWorkerd } from "./bench/ceilings.ts";
import { HELLO_HEADERS } from "./bench/ours.ts";
import { type BenchTarget, startBenchWorker } from "./bench/worker.ts";
import { runLoad } from "./lib/load.ts";
import {
	calibrationNs,
	correlation,
	machineWindow,
	memoryWalkNs,
	processStatus,
} from "./lib/machine-signals.ts";
import { treeCpuMeter } from "./lib/workerd-cpu.ts";

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
	const at = args.indexOf(name);
	if (at < 0) return fallback;
	return Number(args.splice(at, 2)[1]);
}
const PIN = args.includes("--pin");
if (PIN) args.splice(args.indexOf("--pin"), 1);
const AFTER_OURS = args.includes("--after-ours");
if (AFTER_OURS) args.splice(args.indexOf("--after-ours"), 1);
const SECONDS = option("--seconds", 2);
const CONNECTIONS = option("--connections", 64);
const READINGS = Number(args[0] ?? 20);
const MAX_READINGS = 60;
const MAX_SECONDS = 10;
/** Like a bench row against a fresh server (cli/bench/ours.ts FRESH_SERVER_WARMUP_SEC). */
const WARMUP_SEC = 4;
if (!Number.isInteger(READINGS) || READINGS < 3 || READINGS > MAX_READINGS)
	throw new RangeError(`readings must be 3..${MAX_READINGS}`);
if (!(SECONDS >= 1 && SECONDS <= MAX_SECONDS))
	throw new RangeError(`--seconds must be 1..${MAX_SECONDS}`);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1 || CONNECTIONS > 1024)
	throw new RangeError("--connections must be 1..1024");

type Line = {
	reading: number;
	/** With --after-ours: this reading followed a reading of our worker's /healthz. */
	afterOurs: boolean;
	/** With --pin: workerd and the load generator each had a CPU of their own. */
	pinned: boolean;
	/** Our worker's CPU during this bare reading, % of one CPU (null without --after-ours). */
	oursCpuPercentDuring: number | null;
	reqPerSec: number;
	workerdCpuUsPerReq: number;
	generatorCpuUsPerReq: number;
	othersCpuPercent: number;
	stealPercent: number;
	stealPercentPerCpu: number[];
	softirqPercent: number;
	ksoftirqdPercent: number;
	cpuPressurePercent: number;
	calibrationWallNsBefore: number;
	calibrationWallNsAfter: number;
	calibrationCpuNsBefore: number;
	calibrationCpuNsAfter: number;
	memoryNsBefore: number;
	memoryNsAfter: number;
	workerdRssKb: number;
	workerdMigrationsPerKReq: number;
	generatorMigrationsPerKReq: number;
	generatorInvoluntarySwitchesPerKReq: number;
	workerdVoluntarySwitchesPerKReq: number;
	workerdInvoluntarySwitchesPerKReq: number;
};

function groupMeans(group: readonly Line[]) {
	const mean = (pick: (l: Line) => number) =>
		Math.round((group.reduce((sum, l) => sum + pick(l), 0) / Math.max(1, group.length)) * 10) / 10;
	return {
		readings: group.length,
		workerdCpuUsPerReq: mean((l) => l.workerdCpuUsPerReq),
		reqPerSec: mean((l) => l.reqPerSec),
		oursCpuPercentDuring: mean((l) => l.oursCpuPercentDuring ?? 0),
		othersCpuPercent: mean((l) => l.othersCpuPercent),
	};
}

const dir = mkdtempSync(join(tmpdir(), "revenue-guard-hello-drift-"));
const bare = await startBareWorkerd(dir);
let ours: BenchTarget | undefined;
try {
	ours = AFTER_OURS ? await startBenchWorker() : undefined;
	const oursLoad =
		ours === undefined
			? undefined
			: { url: `${ours.url}/healthz`, connections: CONNECTIONS, headersFactory: HELLO_HEADERS };
	const oursPids = () => ours?.pids() ?? [];
	if (oursLoad) await runLoad({ ...oursLoad, durationSec: WARMUP_SEC });
	const pids = () => bare.pids();
	const load = bareHelloLoad(bare, CONNECTIONS);
	const pid = pids()[0] ?? -1;
	const place = (pinned: boolean) => {
		execFileSync("taskset", ["-a", "-pc", pinned ? "1" : "0-1", String(pid)], { stdio: "ignore" });
		execFileSync("taskset", ["-a", "-pc", pinned ? "0" : "0-1", String(process.pid)], {
			stdio: "ignore",
		});
	};
	memoryWalkNs(); // builds its buffer once, outside any reading
	await runLoad({ ...load, durationSec: WARMUP_SEC });
	const lines: Line[] = [];
	for (let i = 1; i <= READINGS; i++) {
		const afterOurs = oursLoad !== undefined && i % 2 === 1;
		const pinned = PIN && i % 2 === 1;
		if (PIN) place(pinned);
		if (afterOurs) {
			await settle(oursPids);
			await runLoad({ ...oursLoad, durationSec: SECONDS });
		}
		await settle(pids);
		const stopOurs = ours === undefined ? undefined : treeCpuMeter(oursPids).start();
		const calBefore = calibrationNs();
		const memBefore = memoryWalkNs();
		const statusBefore = processStatus(pid);
		const selfStatusBefore = processStatus(process.pid);
		const selfBefore = process.cpuUsage();
		const stopWindow = machineWindow().start();
		const { result, cpuUsPerReq, othersCpuPercent } = await measuredLoad(
			{ ...load, durationSec: SECONDS },
			pids,
		);
		const machine = stopWindow();
		const oursUs = stopOurs?.();
		const self = process.cpuUsage(selfBefore);
		const statusAfter = processStatus(pid);
		const selfStatusAfter = processStatus(process.pid);
		const calAfter = calibrationNs();
		const memAfter = memoryWalkNs();
		const perK = (n: number) => Math.round((n * 1000 * 10) / Math.max(1, result.total)) / 10;
		const line: Line = {
			reading: i,
			afterOurs,
			pinned,
			oursCpuPercentDuring:
				oursUs === undefined ? null : Math.round(oursUs / (10_000 * result.elapsedSec)),
			reqPerSec: Math.round(result.reqPerSec),
			workerdCpuUsPerReq: cpuUsPerReq ?? Number.NaN,
			generatorCpuUsPerReq: Math.round(((self.user + self.system) * 10) / result.total) / 10,
			othersCpuPercent: othersCpuPercent ?? Number.NaN,
			stealPercent: machine.stealPercent ?? Number.NaN,
			stealPercentPerCpu: machine.stealPercentPerCpu ?? [],
			softirqPercent: machine.softirqPercent ?? Number.NaN,
			ksoftirqdPercent: machine.ksoftirqdPercent ?? Number.NaN,
			cpuPressurePercent: machine.cpuPressurePercent ?? Number.NaN,
			calibrationWallNsBefore: calBefore.wallNsPerIter,
			calibrationWallNsAfter: calAfter.wallNsPerIter,
			calibrationCpuNsBefore: calBefore.cpuNsPerIter,
			calibrationCpuNsAfter: calAfter.cpuNsPerIter,
			memoryNsBefore: memBefore,
			memoryNsAfter: memAfter,
			workerdRssKb: statusAfter?.rssKb ?? Number.NaN,
			workerdMigrationsPerKReq: perK(
				(statusAfter?.migrations ?? 0) - (statusBefore?.migrations ?? 0),
			),
			generatorMigrationsPerKReq: perK(
				(selfStatusAfter?.migrations ?? 0) - (selfStatusBefore?.migrations ?? 0),
			),
			generatorInvoluntarySwitchesPerKReq: perK(
				(selfStatusAfter?.involuntary ?? 0) - (selfStatusBefore?.involuntary ?? 0),
			),
			workerdVoluntarySwitchesPerKReq: perK(
				(statusAfter?.voluntary ?? 0) - (statusBefore?.voluntary ?? 0),
			),
			workerdInvoluntarySwitchesPerKReq: perK(
				(statusAfter?.involuntary ?? 0) - (statusBefore?.involuntary ?? 0),
			),
		};
		lines.push(line);
		console.log(JSON.stringify(line));
	}
	const column = (pick: (l: Line) => number) => lines.map(pick);
	// Every numeric figure of a reading is a candidate, except the two it is compared with.
	const signals: Record<string, number[]> = Object.fromEntries(
		Object.keys(lines[0] ?? {})
			.filter((key) => !["reqPerSec", "workerdCpuUsPerReq"].includes(key))
			.filter((key) => lines.every((l) => typeof l[key as keyof Line] === "number"))
			.map((key) => [key, column((l) => l[key as keyof Line] as number)]),
	);
	const cpu = column((l) => l.workerdCpuUsPerReq);
	const rate = column((l) => l.reqPerSec);
	const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)];
	console.log(
		JSON.stringify({
			summary: true,
			readings: READINGS,
			seconds: SECONDS,
			workerdCpuUsPerReq: range(cpu),
			reqPerSec: range(rate),
			rWithWorkerdCpu: Object.fromEntries(
				Object.entries(signals).map(([name, xs]) => [name, correlation(cpu, xs)]),
			),
			rWithReqPerSec: Object.fromEntries(
				Object.entries(signals).map(([name, xs]) => [name, correlation(rate, xs)]),
			),
			rCpuWithRate: correlation(cpu, rate),
			...(ours === undefined
				? {}
				: {
						afterOurs: groupMeans(lines.filter((l) => l.afterOurs)),
						alone: groupMeans(lines.filter((l) => !l.afterOurs)),
					}),
			...(PIN
				? {
						pinned: groupMeans(lines.filter((l) => l.pinned)),
						unpinned: groupMeans(lines.filter((l) => !l.pinned)),
					}
				: {}),
			ranges: Object.fromEntries(Object.entries(signals).map(([name, xs]) => [name, range(xs)])),
		}),
	);
} finally {
	await ours?.stop();
	await bare.stop();
	rmSync(dir, { recursive: true, force: true });
}
