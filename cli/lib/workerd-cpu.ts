// workerd's own CPU time per request of a load (cli/checkout-cpu.ts, cli/reserve-cpu.ts). On a
// machine shared with other work, CPU per request moves far less than requests per second. Reads
// /proc (Linux) for the processes this one started: workerd is a child of the Miniflare API.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type LoadOptions, type LoadResult, runLoad } from "./load.ts";

/** /proc/<pid>/stat counts CPU time in ticks of 10 ms (USER_HZ = 100). */
const US_PER_TICK = 10_000;

export type Measured = { result: LoadResult; cpuUs: number };

/** The processes below `pid`, at any depth (pgrep exits non-zero when there are none). */
function descendants(pid: string): string[] {
	let children: string[];
	try {
		children = execFileSync("pgrep", ["-P", pid]).toString().trim().split("\n");
	} catch {
		return [];
	}
	return children.flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Runs a load and returns it with workerd's CPU µs per request; call after the worker started.
 * Counts every process below this one: workerd is a child when this process runs Miniflare, a
 * grandchild under `npm start` (scripts/start.ts in its own process, cli/hello-cpu.ts --start).
 */
export function workerdCpuMeter(): (load: LoadOptions) => Promise<Measured> {
	const pids = descendants(String(process.pid));
	const cpuTicks = () =>
		pids.reduce((sum, pid) => {
			const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
			return sum + Number(fields[11]) + Number(fields[12]);
		}, 0);
	return async (load) => {
		const before = cpuTicks();
		const result = await runLoad(load);
		return { result, cpuUs: ((cpuTicks() - before) * US_PER_TICK) / Math.max(1, result.total) };
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
