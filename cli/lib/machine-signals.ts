// What the machine itself did during a measurement, beside what the server under test used: the
// candidates for why a bare workerd hello costs 60 µs a request in one reading and 110 µs in the
// next, seconds later, with no other process busy (docs/hot-path/bench-method.md, "What the baselines' drift
// is made of"). Read from /proc (Linux; every figure is null elsewhere):
//   steal      time the hypervisor ran something else on our vCPUs (/proc/stat `steal`, per CPU);
//   softirq    time the kernel spent in interrupts and softirqs (the loopback's packets) and the
//              ksoftirqd threads' own CPU, which no server's tree is charged for;
//   pressure   /proc/pressure/cpu `some`: the share of time some task waited for a CPU;
//   machine    a fixed integer loop timed in this process between readings: if the host slows
//              our vCPUs (a busy SMT sibling, a clock change, cache pressure), it takes longer.
// cli/hello-drift.ts correlates them with the readings; cli/bench/settle.ts keeps them per reading.

import { readdirSync, readFileSync } from "node:fs";

/** The calibration loop's fixed work: about 30–60 ms on this machine's 2.6 GHz EPYC vCPUs. */
export const CALIBRATION_ITERATIONS = 20_000_000;

function readOr(path: string): string | undefined {
	try {
		return readFileSync(path, "utf8");
	} catch {
		return undefined;
	}
}

/** One CPU line of /proc/stat: user nice system idle iowait irq softirq steal … (ticks). */
type CpuLine = { total: number; irq: number; softirq: number; steal: number };

function cpuLines(): Map<string, CpuLine> {
	const lines = new Map<string, CpuLine>();
	for (const line of (readOr("/proc/stat") ?? "").split("\n")) {
		if (!line.startsWith("cpu")) continue;
		const [name, ...rest] = line.trim().split(/\s+/);
		const f = rest.map(Number);
		if (name === undefined || f.length < 8) continue;
		// guest and guest_nice are already inside user and nice.
		const total = f.slice(0, 8).reduce((sum, v) => sum + v, 0);
		lines.set(name, { total, irq: f[5] ?? 0, softirq: f[6] ?? 0, steal: f[7] ?? 0 });
	}
	return lines;
}

/** CPU ticks so far of every kernel thread named ksoftirqd/N. */
function ksoftirqdTicks(): number {
	let ticks = 0;
	let names: string[];
	try {
		names = readdirSync("/proc");
	} catch {
		return 0;
	}
	for (const name of names) {
		if (!/^\d+$/.test(name)) continue;
		const stat = readOr(`/proc/${name}/stat`);
		if (!stat?.includes("(ksoftirqd/")) continue;
		const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
		ticks += Number(fields[11]) + Number(fields[12]);
	}
	return ticks;
}

/** /proc/pressure/cpu `some total=` (µs a task waited for a CPU since boot). */
function cpuPressureUs(): number | undefined {
	const match = /some .*total=(\d+)/.exec(readOr("/proc/pressure/cpu") ?? "");
	return match ? Number(match[1]) : undefined;
}

/**
 * A process's RSS (kB), and over all its threads the context switches and migrations between
 * CPUs so far (/proc/<pid>/status, /proc/<pid>/task/<tid>/status and sched).
 */
export function processStatus(
	pid: number,
): { rssKb: number; voluntary: number; involuntary: number; migrations: number } | undefined {
	const status = readOr(`/proc/${pid}/status`);
	if (status === undefined) return undefined;
	const field = (text: string, name: string) =>
		Number(new RegExp(`^${name}\\s*:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
	let tids: string[];
	try {
		tids = readdirSync(`/proc/${pid}/task`);
	} catch {
		tids = [];
	}
	let voluntary = 0;
	let involuntary = 0;
	let migrations = 0;
	for (const tid of tids) {
		const task = readOr(`/proc/${pid}/task/${tid}/status`) ?? "";
		voluntary += field(task, "voluntary_ctxt_switches");
		involuntary += field(task, "nonvoluntary_ctxt_switches");
		migrations += field(readOr(`/proc/${pid}/task/${tid}/sched`) ?? "", "se.nr_migrations");
	}
	return { rssKb: field(status, "VmRSS"), voluntary, involuntary, migrations };
}

/** What the machine did between `start()` and the `stop()` it returns. */
export type MachineWindow = {
	/** Stolen time, % of each CPU's time (cpu0, cpu1, …) and of all CPUs. */
	stealPercentPerCpu: number[] | null;
	stealPercent: number | null;
	/** irq + softirq time, % of all CPUs. */
	softirqPercent: number | null;
	/** ksoftirqd threads' CPU, % of all CPUs (counted in softirqPercent too). */
	ksoftirqdPercent: number | null;
	/** /proc/pressure/cpu `some`: % of the window some task waited for a CPU. */
	cpuPressurePercent: number | null;
};

const pct = (part: number, whole: number) =>
	whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;

export function machineWindow(): { start(): () => MachineWindow } {
	return {
		start() {
			const before = cpuLines();
			const softBefore = ksoftirqdTicks();
			const pressureBefore = cpuPressureUs();
			const startedNs = process.hrtime.bigint();
			return () => {
				const after = cpuLines();
				const wallUs = Number(process.hrtime.bigint() - startedNs) / 1_000;
				const pressureAfter = cpuPressureUs();
				const delta = (name: string) => {
					const a = after.get(name);
					const b = before.get(name);
					return a && b
						? {
								total: a.total - b.total,
								irq: a.irq + a.softirq - (b.irq + b.softirq),
								steal: a.steal - b.steal,
							}
						: undefined;
				};
				const all = delta("cpu");
				const perCpu = [...after.keys()].filter((name) => /^cpu\d+$/.test(name));
				return {
					stealPercentPerCpu: all
						? perCpu.map((name) => {
								const d = delta(name);
								return d ? (pct(d.steal, d.total) ?? 0) : 0;
							})
						: null,
					stealPercent: all ? pct(all.steal, all.total) : null,
					softirqPercent: all ? pct(all.irq, all.total) : null,
					ksoftirqdPercent: all ? pct(ksoftirqdTicks() - softBefore, all.total) : null,
					cpuPressurePercent:
						pressureBefore === undefined || pressureAfter === undefined || !(wallUs > 0)
							? null
							: Math.round((1000 * (pressureAfter - pressureBefore)) / wallUs) / 10,
				};
			};
		},
	};
}

/** Keeps the loop's result observable, so the JIT cannot drop the loop. */
let calibrationSink = 0;

/**
 * Nanoseconds per iteration of a fixed integer hash loop, by wall clock and by this process's
 * CPU time: the speed of the vCPU this process runs on, right now. Stolen time slows the wall
 * figure only; a slower core (frequency, a busy SMT sibling, cache pressure) slows both.
 */
export function calibrationNs(iterations = CALIBRATION_ITERATIONS): {
	wallNsPerIter: number;
	cpuNsPerIter: number;
} {
	const cpuBefore = process.cpuUsage();
	const started = process.hrtime.bigint();
	let h = calibrationSink | 0;
	for (let i = 0; i < iterations; i++) h = Math.imul(h ^ i, 0x9e3779b1) + (h >>> 15);
	const wallNs = Number(process.hrtime.bigint() - started);
	const cpu = process.cpuUsage(cpuBefore);
	calibrationSink = h;
	return {
		wallNsPerIter: Math.round((wallNs / iterations) * 1000) / 1000,
		cpuNsPerIter: Math.round((((cpu.user + cpu.system) * 1000) / iterations) * 1000) / 1000,
	};
}

/** The memory walk's buffer: 32 MiB, larger than the EPYC's L2 and its share of L3. */
const MEMORY_WALK_ENTRIES = 8 * 2 ** 20;
export const MEMORY_WALK_STEPS = 1_000_000;
let memoryWalk: Uint32Array | undefined;

/** A random cycle through MEMORY_WALK_ENTRIES slots (Sattolo's shuffle), built once. */
function walkCycle(): Uint32Array {
	if (memoryWalk) return memoryWalk;
	const next = new Uint32Array(MEMORY_WALK_ENTRIES);
	for (let i = 0; i < next.length; i++) next[i] = i;
	let seed = 0x2545f491;
	for (let i = next.length - 1; i > 0; i--) {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		const j = seed % i;
		const t = next[i] as number;
		next[i] = next[j] as number;
		next[j] = t;
	}
	memoryWalk = next;
	return next;
}

/**
 * Nanoseconds per dependent load of a random walk through 32 MiB: memory latency as this vCPU
 * sees it now. Other VMs on the host that share its caches and memory bus slow this, not the
 * integer loop of calibrationNs.
 */
export function memoryWalkNs(steps = MEMORY_WALK_STEPS): number {
	const next = walkCycle();
	const started = process.hrtime.bigint();
	let at = calibrationSink >>> 0;
	at %= next.length;
	for (let i = 0; i < steps; i++) at = next[at] as number;
	const wallNs = Number(process.hrtime.bigint() - started);
	calibrationSink ^= at;
	return Math.round((wallNs / steps) * 100) / 100;
}

/** Pearson's r of two equally long series, to two decimals; null when either is constant or short. */
export function correlation(xs: readonly number[], ys: readonly number[]): number | null {
	const n = xs.length;
	if (n < 3 || ys.length !== n) return null;
	const mx = xs.reduce((s, v) => s + v, 0) / n;
	const my = ys.reduce((s, v) => s + v, 0) / n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		const dx = (xs[i] as number) - mx;
		const dy = (ys[i] as number) - my;
		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (!(sxx > 0) || !(syy > 0)) return null;
	return Math.round((sxy / Math.sqrt(sxx * syy)) * 100) / 100;
}
