// What cli/hello-drift.ts prints: one record per reading of bare workerd's hello (with every
// signal read around it), and the summary over a run: the correlation of workerd's CPU per
// request and of req/s with each numeric signal (cli/lib/machine-signals.ts correlation), their
// ranges, and the means of the groups the run's options compare (docs/decisions/064-settled-targets.md).

import { correlation } from "./machine-signals.ts";

export type DriftLine = {
	reading: number;
	/** With --after-ours: this reading followed a reading of our worker's /healthz. */
	afterOurs: boolean;
	/** With --pin: workerd and the load generator each had a CPU of their own. */
	pinned: boolean;
	/** With --between-heavy: this reading followed a heavy load on our worker. */
	afterHeavy: boolean;
	/** With --fresh-generator: a freshly spawned process drove this reading. */
	fresh: boolean;
	/** With --ours-blocks: our worker was up (idle) during this reading. */
	oursUp: boolean;
	/** Our worker's CPU during this bare reading, % of one CPU (null without --after-ours). */
	oursCpuPercentDuring: number | null;
	reqPerSec: number;
	workerdCpuUsPerReq: number;
	generatorCpuUsPerReq: number;
	/** The process that drove the load: heap and RSS after it, GC pauses during it. */
	generatorHeapUsedMb: number;
	generatorHeapTotalMb: number;
	generatorRssMb: number;
	generatorGcMs: number;
	/** This (the bench's) process, whichever drove the load. */
	benchHeapUsedMb: number;
	benchGcMs: number;
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

function groupMeans(group: readonly DriftLine[]) {
	const mean = (pick: (l: DriftLine) => number) =>
		Math.round((group.reduce((sum, l) => sum + pick(l), 0) / Math.max(1, group.length)) * 10) / 10;
	return {
		readings: group.length,
		workerdCpuUsPerReq: mean((l) => l.workerdCpuUsPerReq),
		workerdCpuUsPerReqRange: [
			Math.min(...group.map((l) => l.workerdCpuUsPerReq)),
			Math.max(...group.map((l) => l.workerdCpuUsPerReq)),
		],
		reqPerSec: mean((l) => l.reqPerSec),
		generatorCpuUsPerReq: mean((l) => l.generatorCpuUsPerReq),
		generatorGcMs: mean((l) => l.generatorGcMs),
		generatorHeapUsedMb: mean((l) => l.generatorHeapUsedMb),
		oursCpuPercentDuring: mean((l) => l.oursCpuPercentDuring ?? 0),
		othersCpuPercent: mean((l) => l.othersCpuPercent),
	};
}

/** Which groups the run's options make worth comparing. */
export interface DriftGroups {
	readings: number;
	seconds: number;
	/** --after-ours: readings after our worker's hello against the others. */
	afterOurs: boolean;
	/** --between-heavy or --fresh-generator: the four combinations of the two. */
	heavyOrFresh: boolean;
	/** --ours-blocks: our worker up against down. */
	oursBlocks: boolean;
	/** --pin: pinned against unpinned. */
	pin: boolean;
}

export function driftSummary(lines: readonly DriftLine[], run: DriftGroups) {
	const column = (pick: (l: DriftLine) => number) => lines.map(pick);
	// Every numeric figure of a reading is a candidate, except the two it is compared with.
	const signals: Record<string, number[]> = Object.fromEntries(
		Object.keys(lines[0] ?? {})
			.filter((key) => !["reqPerSec", "workerdCpuUsPerReq"].includes(key))
			.filter((key) => lines.every((l) => typeof l[key as keyof DriftLine] === "number"))
			.map((key) => [key, column((l) => l[key as keyof DriftLine] as number)]),
	);
	const cpu = column((l) => l.workerdCpuUsPerReq);
	const rate = column((l) => l.reqPerSec);
	const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)];
	return {
		summary: true,
		readings: run.readings,
		seconds: run.seconds,
		workerdCpuUsPerReq: range(cpu),
		reqPerSec: range(rate),
		rWithWorkerdCpu: Object.fromEntries(
			Object.entries(signals).map(([name, xs]) => [name, correlation(cpu, xs)]),
		),
		rWithReqPerSec: Object.fromEntries(
			Object.entries(signals).map(([name, xs]) => [name, correlation(rate, xs)]),
		),
		rCpuWithRate: correlation(cpu, rate),
		...(!run.afterOurs
			? {}
			: {
					afterOurs: groupMeans(lines.filter((l) => l.afterOurs)),
					alone: groupMeans(lines.filter((l) => !l.afterOurs)),
				}),
		...(run.heavyOrFresh
			? {
					groups: Object.fromEntries(
						[true, false].flatMap((h) =>
							[true, false].map((f) => [
								`${h ? "afterHeavy" : "noHeavy"}-${f ? "fresh" : "inProcess"}`,
								groupMeans(lines.filter((l) => l.afterHeavy === h && l.fresh === f)),
							]),
						),
					),
				}
			: {}),
		...(run.oursBlocks
			? {
					oursUp: groupMeans(lines.filter((l) => l.oursUp)),
					oursDown: groupMeans(lines.filter((l) => !l.oursUp)),
				}
			: {}),
		...(run.pin
			? {
					pinned: groupMeans(lines.filter((l) => l.pinned)),
					unpinned: groupMeans(lines.filter((l) => !l.pinned)),
				}
			: {}),
		ranges: Object.fromEntries(Object.entries(signals).map(([name, xs]) => [name, range(xs)])),
	};
}
