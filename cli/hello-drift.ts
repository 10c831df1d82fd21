// `node cli/hello-drift.ts [readings] [--seconds S] [--connections C] [--after-ours] [--pin]
// [--between-heavy [--heavy-seconds H] [--heavy-from N]] [--fresh-generator] [--ours-blocks K]`: what moves bare workerd's
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
// in the same minutes. With --between-heavy, our worker (lean runtime) runs too, and the first two
// of every four readings follow H s (default 5) of the reserve row's load on it (JSON bodies,
// 256 sessions, a hot SKU), driven from this process as the bench's heavy rows are; with
// --heavy-from N, only from reading N on (the readings before it have our worker up and idle). With
// --fresh-generator, every other reading is driven by a freshly spawned Node process running the
// same runLoad (cli/bench/fresh-load.ts) instead of this one, its place alternating between cycles:
// whether the generator's own state after heavy rows (heap, collector, sockets, timers) moves the
// readings. Each line then carries the generating process's heap, RSS and GC pause time during the
// reading, and this process's. With --ours-blocks K (alone), our worker (lean runtime, idle, no
// load) is started before readings 1..K, stopped before K+1..2K, and so on: whether a server of
// ours merely being up, as it is between the bench's rows, moves bare workerd's readings. Run it
// under `flock /tmp/rg-bench.lock`.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measuredLoad, othersPercent, settle } from "./bench/baseline.ts";
import { bareHelloLoad, startBareWorkerd } from "./bench/ceilings.ts";
import { type FreshLoadResult, freshGenerator, gcClock, memoryMb } from "./bench/fresh-load.ts";
import {
	adminHeaders,
	createBenchProduct,
	HOT_STOCK,
	SESSIONS,
	SETUP_WIDTH,
	sessionHeadersFor,
} from "./bench/hot-sku.ts";
import { mintSessions } from "./bench/http.ts";
import { HELLO_HEADERS } from "./bench/ours.ts";
import { type BenchTarget, startBenchWorker } from "./bench/worker.ts";
import { readCpuTimes } from "./lib/cpu.ts";
import { driftSummary, type DriftLine as Line } from "./lib/drift-summary.ts";
import { type LoadOptions, runLoad } from "./lib/load.ts";
import {
	calibrationNs,
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
const BETWEEN_HEAVY = args.includes("--between-heavy");
if (BETWEEN_HEAVY) args.splice(args.indexOf("--between-heavy"), 1);
const FRESH = args.includes("--fresh-generator");
if (FRESH) args.splice(args.indexOf("--fresh-generator"), 1);
const HEAVY_SECONDS = option("--heavy-seconds", 5);
const HEAVY_FROM = option("--heavy-from", 1);
const OURS_BLOCKS = option("--ours-blocks", 0);
const SECONDS = option("--seconds", 2);
const CONNECTIONS = option("--connections", 64);
const READINGS = Number(args[0] ?? 20);
const MAX_READINGS = 60;
const MAX_SECONDS = 10;
/** Like a bench row against a fresh server (cli/bench/ours.ts FRESH_SERVER_WARMUP_SEC). */
const WARMUP_SEC = 4;
/** A fresh generator's own warm-up on the bare hello before its reading (cli/bench/fresh-load.ts). */
const FRESH_WARMUP_SEC = 2;
if (!Number.isInteger(READINGS) || READINGS < 3 || READINGS > MAX_READINGS)
	throw new RangeError(`readings must be 3..${MAX_READINGS}`);
if (!(SECONDS >= 1 && SECONDS <= MAX_SECONDS))
	throw new RangeError(`--seconds must be 1..${MAX_SECONDS}`);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1 || CONNECTIONS > 1024)
	throw new RangeError("--connections must be 1..1024");
if (OURS_BLOCKS !== 0 && (!Number.isInteger(OURS_BLOCKS) || AFTER_OURS || BETWEEN_HEAVY))
	throw new RangeError("--ours-blocks takes an integer and goes alone");
if (!(HEAVY_SECONDS >= 1 && HEAVY_SECONDS <= 30))
	throw new RangeError("--heavy-seconds must be 1..30");

/**
 * Reading i's place in the cycle of four: with --between-heavy the first two follow a heavy load;
 * with --fresh-generator one of each pair is driven by a fresh process, which one alternating
 * between cycles so neither always comes first.
 */
function placeOf(i: number): { afterHeavy: boolean; fresh: boolean } {
	const cycle = Math.floor((i - 1) / 4);
	const pos = (i - 1) % 4;
	const afterHeavy = BETWEEN_HEAVY && i >= HEAVY_FROM && (FRESH ? pos < 2 : pos % 2 === 0);
	const fresh = FRESH && (pos % 2 === 1) !== (cycle % 2 === 1);
	return { afterHeavy, fresh };
}

const dir = mkdtempSync(join(tmpdir(), "revenue-guard-hello-drift-"));
const bare = await startBareWorkerd(dir);
let ours: BenchTarget | undefined;
let idleOurs: BenchTarget | undefined;
try {
	ours = AFTER_OURS || BETWEEN_HEAVY ? await startBenchWorker() : undefined;
	const oursLoad =
		ours === undefined
			? undefined
			: { url: `${ours.url}/healthz`, connections: CONNECTIONS, headersFactory: HELLO_HEADERS };
	const oursPids = () => ours?.pids() ?? [];
	if (oursLoad && AFTER_OURS) await runLoad({ ...oursLoad, durationSec: WARMUP_SEC });
	const heavyLoad = ours && BETWEEN_HEAVY ? await reserveLoadOn(ours) : undefined;
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
		const afterOurs = AFTER_OURS && oursLoad !== undefined && i % 2 === 1;
		const { afterHeavy, fresh } = placeOf(i);
		if (OURS_BLOCKS > 0 && (i - 1) % OURS_BLOCKS === 0) {
			if (Math.floor((i - 1) / OURS_BLOCKS) % 2 === 0) idleOurs = await startBenchWorker();
			else {
				await idleOurs?.stop();
				idleOurs = undefined;
			}
		}
		const pinned = PIN && i % 2 === 1;
		if (PIN) place(pinned);
		if (afterOurs) {
			await settle(oursPids);
			await runLoad({ ...oursLoad, durationSec: SECONDS });
		}
		if (afterHeavy && heavyLoad) {
			await settle(oursPids);
			await runLoad({ ...heavyLoad, durationSec: HEAVY_SECONDS });
		}
		const child = fresh
			? await freshGenerator({
					url: load.url,
					connections: CONNECTIONS,
					durationSec: SECONDS,
					helloHeaders: true,
					warmupSec: FRESH_WARMUP_SEC,
				})
			: undefined;
		await settle(pids);
		const stopOurs = ours === undefined ? undefined : treeCpuMeter(oursPids).start();
		const calBefore = calibrationNs();
		const memBefore = memoryWalkNs();
		const statusBefore = processStatus(pid);
		const selfStatusBefore = processStatus(process.pid);
		const selfBefore = process.cpuUsage();
		const stopWindow = machineWindow().start();
		const gc = gcClock();
		const { result, cpuUsPerReq, othersCpuPercent, generator } = child
			? await measuredFresh(child.go, pids)
			: await measuredInProcess({ ...load, durationSec: SECONDS }, pids);
		const benchGcMs = gc.ms();
		gc.stop();
		const machine = stopWindow();
		const oursUs = stopOurs?.();
		const self = process.cpuUsage(selfBefore);
		const generatorUs = child ? generator.cpuUs : self.user + self.system;
		const statusAfter = processStatus(pid);
		const selfStatusAfter = processStatus(process.pid);
		const calAfter = calibrationNs();
		const memAfter = memoryWalkNs();
		const perK = (n: number) => Math.round((n * 1000 * 10) / Math.max(1, result.total)) / 10;
		const line: Line = {
			reading: i,
			afterOurs,
			pinned,
			afterHeavy,
			fresh,
			oursUp: idleOurs !== undefined,
			oursCpuPercentDuring:
				oursUs === undefined ? null : Math.round(oursUs / (10_000 * result.elapsedSec)),
			reqPerSec: Math.round(result.reqPerSec),
			workerdCpuUsPerReq: cpuUsPerReq ?? Number.NaN,
			generatorCpuUsPerReq: Math.round((generatorUs * 10) / result.total) / 10,
			generatorHeapUsedMb: generator.heapUsedMb,
			generatorHeapTotalMb: generator.heapTotalMb,
			generatorRssMb: generator.rssMb,
			generatorGcMs: Math.round(generator.gcMs * 10) / 10,
			benchHeapUsedMb: memoryMb().heapUsedMb,
			benchGcMs: Math.round(benchGcMs * 10) / 10,
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
	console.log(
		JSON.stringify(
			driftSummary(lines, {
				readings: READINGS,
				seconds: SECONDS,
				afterOurs: ours !== undefined,
				heavyOrFresh: BETWEEN_HEAVY || FRESH,
				oursBlocks: OURS_BLOCKS > 0,
				pin: PIN,
			}),
		),
	);
} finally {
	await ours?.stop();
	await idleOurs?.stop();
	await bare.stop();
	rmSync(dir, { recursive: true, force: true });
}

/** The reserve row's load on our worker (cli/bench/ours.ts measureOurs), on a SKU of its own. */
async function reserveLoadOn(target: BenchTarget): Promise<Omit<LoadOptions, "durationSec">> {
	const sku = `DRIFT-HOT-${Date.now().toString(36)}`;
	await createBenchProduct(target.url, adminHeaders(target.adminToken), sku, {
		totalStock: HOT_STOCK,
	});
	const tokens = await mintSessions(target.url, target.debugToken, SESSIONS, SETUP_WIDTH);
	return {
		url: `${target.url}/api/reservations`,
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ sku }),
		headersFactory: sessionHeadersFor(tokens),
		connections: CONNECTIONS,
	};
}

/** A reading driven from this process (as the bench's are), with its generator's state. */
async function measuredInProcess(load: LoadOptions, pids: () => readonly number[]) {
	const gc = gcClock();
	const before = process.cpuUsage();
	const measured = await measuredLoad(load, pids);
	const cpu = process.cpuUsage(before);
	const generator = { cpuUs: cpu.user + cpu.system, gcMs: gc.ms(), ...memoryMb() };
	gc.stop();
	return { ...measured, generator };
}

/** A reading driven from a fresh child process; its CPU counts as the generator's, not others'. */
async function measuredFresh(go: () => Promise<FreshLoadResult>, pids: () => readonly number[]) {
	const stop = treeCpuMeter(pids).start();
	const machineBefore = await readCpuTimes();
	const selfBefore = process.cpuUsage();
	const { result, generator } = await go();
	const self = process.cpuUsage(selfBefore);
	const machineAfter = await readCpuTimes();
	const serverUs = stop();
	const cpuUsPerReq = result.total > 0 ? Math.round((serverUs / result.total) * 10) / 10 : null;
	const othersCpuPercent =
		machineBefore && machineAfter
			? othersPercent({
					machineBusyJiffies: machineAfter.busy - machineBefore.busy,
					machineTotalJiffies: machineAfter.total - machineBefore.total,
					serverUs,
					selfUs: self.user + self.system + generator.cpuUs,
				})
			: null;
	return { result, cpuUsPerReq, othersCpuPercent, generator };
}
