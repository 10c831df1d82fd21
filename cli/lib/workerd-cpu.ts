// workerd's own CPU time per request of a load (cli/checkout-cpu.ts, cli/reserve-cpu.ts). On a
// machine shared with other work, CPU per request moves far less than requests per second. Reads
// /proc (Linux) for the processes this one started: workerd is a child of the Miniflare API.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type LoadOptions, type LoadResult, runLoad } from "./load.ts";

/** /proc/<pid>/stat counts CPU time in ticks of 10 ms (USER_HZ = 100). */
const US_PER_TICK = 10_000;

/** Runs a load and returns it with workerd's CPU µs per request; call after the worker started. */
export function workerdCpuMeter(): (
	load: LoadOptions,
) => Promise<{ result: LoadResult; cpuUs: number }> {
	const pids = execFileSync("pgrep", ["-P", String(process.pid)])
		.toString()
		.trim()
		.split("\n");
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
