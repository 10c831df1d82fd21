// CPU time per request of a server's process tree, read from /proc (Linux): the probes' workerd
// (cli/checkout-cpu.ts, cli/reserve-cpu.ts, cli/hello-cpu.ts) and every row of the bench
// (cli/bench/baseline.ts). On a machine shared with other work, CPU per request moves far less
// than requests per second. workerd is a child of this process when it runs the Miniflare API,
// a grandchild under `npm start`; a peer's engine may be anywhere (PostgreSQL's postmaster is
// daemonised), so the bench names each server's root processes and counts their whole trees.

import { readdirSync, readFileSync } from "node:fs";
import { type LoadOptions, type LoadResult, runLoad } from "./load.ts";

/** /proc/<pid>/stat counts CPU time in ticks of 10 ms (USER_HZ = 100). */
const US_PER_TICK = 10_000;

export type Measured = { result: LoadResult; cpuUs: number };

/** One process of /proc: its parent and the CPU ticks it used so far (user + system). */
type ProcEntry = { ppid: number; ticks: number };

/** Every process /proc shows now, by pid; empty where there is no /proc (not Linux). */
function processTable(): Map<number, ProcEntry> {
	const table = new Map<number, ProcEntry>();
	let names: string[];
	try {
		names = readdirSync("/proc");
	} catch {
		return table;
	}
	for (const name of names) {
		if (!/^\d+$/.test(name)) continue;
		let stat: string;
		try {
			stat = readFileSync(`/proc/${name}/stat`, "utf8");
		} catch {
			continue; // it exited between the listing and the read
		}
		// The command name is in parentheses and may hold spaces or ")": fields follow the last ") ".
		const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
		table.set(Number(name), {
			ppid: Number(fields[1]),
			ticks: Number(fields[11]) + Number(fields[12]),
		});
	}
	return table;
}

/** `roots` and every process below them, at any depth, with their ticks so far. */
function treeTicks(table: Map<number, ProcEntry>, roots: readonly number[]): Map<number, number> {
	const children = new Map<number, number[]>();
	for (const [pid, entry] of table) {
		const siblings = children.get(entry.ppid);
		if (siblings) siblings.push(pid);
		else children.set(entry.ppid, [pid]);
	}
	const ticks = new Map<number, number>();
	const queue = roots.filter((pid) => table.has(pid));
	while (queue.length > 0) {
		const pid = queue.pop() as number;
		if (ticks.has(pid)) continue;
		ticks.set(pid, table.get(pid)?.ticks ?? 0);
		queue.push(...(children.get(pid) ?? []));
	}
	return ticks;
}

/** The processes directly below `pid` now. */
export function childPids(pid: number = process.pid): number[] {
	return [...processTable()].filter(([, entry]) => entry.ppid === pid).map(([child]) => child);
}

/**
 * CPU µs used by the process trees under `roots` (read when each reading starts, so a server's
 * workers started late still count) between `start()` and the `stop()` it returns. A process
 * born in between counts from zero; one that exits in between loses its share (servers under
 * load keep theirs: workerd, a Node front, PostgreSQL's per-connection backends of a pool).
 */
export function treeCpuMeter(roots: () => readonly number[]): { start(): () => number } {
	return {
		start() {
			const before = treeTicks(processTable(), roots());
			return () => {
				const after = treeTicks(processTable(), roots());
				let ticks = 0;
				for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
				return Math.max(0, ticks) * US_PER_TICK;
			};
		},
	};
}

/**
 * Runs a load and returns it with workerd's CPU µs per request; call after the worker started.
 * Counts every process below this one (as they are when the meter is made): workerd is a child
 * when this process runs Miniflare, a grandchild under `npm start` (scripts/start.ts in its own
 * process, cli/hello-cpu.ts --start).
 */
export function workerdCpuMeter(): (load: LoadOptions) => Promise<Measured> {
	const self = process.pid;
	const below = [...treeTicks(processTable(), [self]).keys()].filter((pid) => pid !== self);
	const meter = treeCpuMeter(() => below);
	return async (load) => {
		const stop = meter.start();
		const result = await runLoad(load);
		return { result, cpuUs: stop() / Math.max(1, result.total) };
	};
}

/** GET /healthz of the bench's worker, request slot i from the address of session i mod `sessions`. */
export function helloLoad(
	base: string,
	connections: number,
	durationSec: number,
	addressOf: (i: number) => string,
): LoadOptions {
	return {
		url: `${base}/healthz`,
		connections,
		durationSec,
		headersFactory: (i) => ({ "cf-connecting-ip": addressOf(i) }),
	};
}

/**
 * The probes' one measurement: a 1 s hello to warm up, a measured hello, `run`, a second
 * measured hello, and the figures printed under `name`: CPU and rate per request of the run
 * against the mean of the two hellos around it. `during` wraps the run (a profiler).
 */
export async function againstHello(
	hello: LoadOptions,
	run: LoadOptions,
	name: string,
	during: { start?: () => Promise<void>; stop?: () => Promise<void> } = {},
): Promise<Record<string, unknown>> {
	const measured = workerdCpuMeter();
	await runLoad({ ...hello, durationSec: 1 });
	const hello1 = await measured(hello);
	await during.start?.();
	const own = await measured(run);
	await during.stop?.();
	const hello2 = await measured(hello);
	const helloCpuUs = (hello1.cpuUs + hello2.cpuUs) / 2;
	const helloRate = (hello1.result.reqPerSec + hello2.result.reqPerSec) / 2;
	const round = (n: number) => Math.round(n);
	return {
		helloCpuUsPerReq: [round(hello1.cpuUs), round(hello2.cpuUs)],
		[`${name}CpuUsPerReq`]: round(own.cpuUs),
		[`${name}XHelloByCpu`]: +(helloCpuUs / own.cpuUs).toFixed(3),
		helloReqPerSec: [round(hello1.result.reqPerSec), round(hello2.result.reqPerSec)],
		[`${name}ReqPerSec`]: round(own.result.reqPerSec),
		[`${name}XHelloByRate`]: +(own.result.reqPerSec / helloRate).toFixed(3),
		[`${name}Statuses`]: own.result.statusCounts,
		[`${name}P50Ms`]: own.result.latencyMs.p50,
		[`${name}P99Ms`]: own.result.latencyMs.p99,
		...(own.result.timeline === undefined ? {} : { timeline: own.result.timeline }),
	};
}
