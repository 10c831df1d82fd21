// The baselines the bench's ratios divide by, read next to the rows rather than once per run:
// a short hello (our server's /healthz, bare workerd's hello) right before and right after each
// row, CPU per request counted over the server's process tree. The hello rows alone moved by
// 11,049–14,466 req/s between runs minutes apart on an idle machine
// (docs/hot-path/standings-2026-11-30.md, "Where it stands at the end of the seventh stop"); a row
// divided by the mean of its two neighbours moves with the machine, and the drift itself is printed (cli/bench/format.ts driftTable).
// docs/decisions/057-bench-brackets.md says why neighbours, and what they cost.

import { readCpuTimes } from "../lib/cpu.ts";
import { type LoadOptions, runLoad } from "../lib/load.ts";
import { treeCpuMeter } from "../lib/workerd-cpu.ts";
import type { BaselineSeries, Reading } from "./format.ts";

/** Takes one reading, labelled with where in the run it falls. */
export type Reader = (at: string) => Promise<Reading>;

/** CPU µs per response to one decimal; null when /proc gave nothing or nothing answered. */
export function perRequest(cpuUs: number, responses: number, procReadable: boolean): number | null {
	if (!procReadable || responses <= 0) return null;
	return Math.round((cpuUs / responses) * 10) / 10;
}

/** /proc/stat's jiffies are 1/100 s. */
const US_PER_JIFFY = 10_000;

/**
 * The share of the machine's CPU (all cores, %) that neither the server under test nor this
 * process (the load generator) used during a run: other work that shared the row. null where
 * /proc is not readable.
 */
export function othersPercent(run: {
	machineBusyJiffies: number;
	machineTotalJiffies: number;
	serverUs: number;
	selfUs: number;
}): number | null {
	if (!(run.machineTotalJiffies > 0)) return null;
	const othersUs = run.machineBusyJiffies * US_PER_JIFFY - run.serverUs - run.selfUs;
	return Math.max(0, Math.round((100 * othersUs) / (run.machineTotalJiffies * US_PER_JIFFY)));
}

/**
 * Runs `load` and reads, around it, the CPU µs per response of the processes under `pids`
 * (null off Linux or without pids) and how much of the machine other work took meanwhile.
 */
export async function measuredLoad(
	load: LoadOptions,
	pids: (() => readonly number[]) | undefined,
): Promise<{
	result: Awaited<ReturnType<typeof runLoad>>;
	cpuUsPerReq: number | null;
	othersCpuPercent: number | null;
}> {
	const stop = pids === undefined ? undefined : treeCpuMeter(pids).start();
	const machineBefore = await readCpuTimes();
	const selfBefore = process.cpuUsage();
	const result = await runLoad(load);
	const self = process.cpuUsage(selfBefore);
	const machineAfter = await readCpuTimes();
	const serverUs = stop?.() ?? 0;
	const procReadable = pids !== undefined && pids().length > 0;
	return {
		result,
		cpuUsPerReq: perRequest(serverUs, result.total, procReadable),
		othersCpuPercent:
			machineBefore === undefined || machineAfter === undefined || !procReadable
				? null
				: othersPercent({
						machineBusyJiffies: machineAfter.busy - machineBefore.busy,
						machineTotalJiffies: machineAfter.total - machineBefore.total,
						serverUs,
						selfUs: self.user + self.system,
					}),
	};
}

/** A server counts as settled once its tree uses at most this share of one CPU… */
const SETTLED_CPU_SHARE = 0.05;
/**
 * …and the whole machine is at most this busy (% of all CPUs; a row waits for the same before it
 * runs, cli/bench/ours.ts quietCpu)…
 */
export const QUIET_CPU_PERCENT = 25;
/** …over a window this long… */
const SETTLE_WINDOW_MS = 200;
/** …and a reading waits at most this long for it (a row's leftovers: outbox flushes, ledgers). */
const MAX_SETTLE_MS = 2_000;

/**
 * Waits (bounded) until the processes under `pids` are idle and the machine is quiet, so a
 * reading right after a row does not share the server with that row's leftover background work,
 * nor the machine with a burst of other work, and charge it to the baseline: a reading's drift is
 * mostly the other work that shared it (docs/decisions/064-settled-targets.md). Returns how long
 * it waited and the server's CPU (% of one CPU) in its last window: still busy when it gave up.
 */
export async function settle(
	pids: () => readonly number[],
): Promise<{ waitedMs: number; serverCpuPercent: number }> {
	const started = Date.now();
	const deadline = started + MAX_SETTLE_MS;
	let serverCpuPercent = 0;
	while (Date.now() < deadline) {
		const stop = treeCpuMeter(pids).start();
		const machineBefore = await readCpuTimes();
		await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
		const machineAfter = await readCpuTimes();
		const machineBusy =
			machineBefore && machineAfter && machineAfter.total > machineBefore.total
				? (100 * (machineAfter.busy - machineBefore.busy)) /
					(machineAfter.total - machineBefore.total)
				: 0;
		const serverUs = stop();
		serverCpuPercent = Math.round((100 * serverUs) / (SETTLE_WINDOW_MS * 1_000));
		if (
			serverUs <= SETTLED_CPU_SHARE * SETTLE_WINDOW_MS * 1_000 &&
			machineBusy <= QUIET_CPU_PERCENT
		)
			break;
	}
	return { waitedMs: Date.now() - started, serverCpuPercent };
}

/**
 * A reader of `load` (a hello) for `seconds`, on the server whose processes are `pids`; every
 * reading is also kept in `series` for the drift table and the report. It first lets the server
 * settle (see `settle`).
 */
export function helloReader(
	load: Omit<LoadOptions, "durationSec">,
	seconds: number,
	pids: () => readonly number[],
	series: BaselineSeries & { readings: { at: string; reading: Reading }[] },
): Reader {
	return async (at) => {
		const settled = await settle(pids);
		const { result, cpuUsPerReq, othersCpuPercent } = await measuredLoad(
			{ ...load, durationSec: seconds },
			pids,
		);
		const reading = {
			reqPerSec: result.reqPerSec,
			cpuUsPerReq,
			othersCpuPercent,
			serverCpuBeforePercent: settled.serverCpuPercent,
		};
		series.readings.push({ at, reading });
		return reading;
	};
}

/** A new, empty series for `baseline`. */
export function newSeries(baseline: string): BaselineSeries & {
	readings: { at: string; reading: Reading }[];
} {
	return { baseline, readings: [] };
}

/**
 * Brackets rows with readings: call `first` with the reading(s) that precede the first row, then
 * `after(row)` for each row in order; each row gets the reading before it and the one after it.
 */
export function bracketer(own: Reader | undefined, bare: Reader | undefined) {
	let previous: { own?: Reading; bare?: Reading } = {};
	const read = async (at: string) => ({
		...(own ? { own: await own(at) } : {}),
		...(bare ? { bare: await bare(at) } : {}),
	});
	return {
		/** What precedes the first bracketed row (a reading, or a row standing in for one). */
		start(before: { own?: Reading; bare?: Reading }): void {
			previous = before;
		},
		async read(at: string): Promise<{ own?: Reading; bare?: Reading }> {
			return await read(at);
		},
		/** Reads after `row` and gives it its two neighbours of each baseline. */
		async after<
			R extends { name: string; helloAround?: Reading[]; workerdHelloAround?: Reading[] },
		>(row: R): Promise<R> {
			const next = await read(`after ${row.name}`);
			if (previous.own && next.own) row.helloAround = [previous.own, next.own];
			if (previous.bare && next.bare) row.workerdHelloAround = [previous.bare, next.bare];
			previous = next;
			return row;
		},
	};
}
