// How busy the machine is with work that is not ours. Benchmarks on a shared box are only
// comparable when this is recorded next to each number (and low).

import { readFile } from "node:fs/promises";
import { sleep } from "../../src/shared/sleep.ts";

/** Default sampling window: long enough to smooth scheduler noise, short enough to repeat. */
export const CPU_SAMPLE_MS = 1_000;

/** Jiffies (1/100 s) since boot over all CPUs: busy (not idle, not iowait) and in total. */
export type CpuTimes = { busy: number; total: number };

export async function readCpuTimes(): Promise<CpuTimes | undefined> {
	// Linux only; elsewhere the caller gets `undefined` and reports "unknown".
	const stat = await readFile("/proc/stat", "utf8").catch(() => undefined);
	const fields = stat?.split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number);
	if (!fields || fields.length < 5) return undefined;
	const total = fields.reduce((sum, value) => sum + value, 0);
	// user nice system idle iowait …: idle and iowait are the not-busy ones.
	const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
	return { busy: total - idle, total };
}

/** Percentage of all CPUs busy during the next `sampleMs` (while we do nothing). */
export async function busyCpuPercent(sampleMs = CPU_SAMPLE_MS): Promise<number | undefined> {
	const before = await readCpuTimes();
	await sleep(sampleMs);
	const after = await readCpuTimes();
	if (!before || !after || after.total === before.total) return undefined;
	return Math.round((100 * (after.busy - before.busy)) / (after.total - before.total));
}

/**
 * Waits (bounded) until the machine is mostly idle, so a measurement does not start while
 * someone else's build or test is running. Returns the last busy percentage seen.
 */
export async function waitForQuietCpu(options: {
	maxBusyPercent: number;
	maxWaitSec: number;
}): Promise<number | undefined> {
	const deadline = Date.now() + options.maxWaitSec * 1000;
	let busy = await busyCpuPercent();
	while (busy !== undefined && busy > options.maxBusyPercent && Date.now() < deadline) {
		busy = await busyCpuPercent();
	}
	return busy;
}
