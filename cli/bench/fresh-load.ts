// One hello load driven from a freshly spawned Node process instead of the bench's own, with the
// same runLoad (cli/lib/load.ts): whether the generator's state after heavy rows (its heap, its
// collector, leftover sockets and timers) is what moves the baseline readings between rows
// (cli/hello-drift.ts --fresh-generator). The child is started and has loaded its modules before
// the load begins: it prints READY, waits for a line on stdin, runs the load, prints its result
// and exits, so its start-up lands outside the measured window.

import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import type { LoadOptions, LoadResult } from "../lib/load.ts";

/** A load the child can rebuild: no functions, and the hello's per-request headers by name. */
export type FreshLoadSpec = Omit<LoadOptions, "bodyFactory" | "headersFactory" | "onTick"> & {
	/** Per-request headers of every hello row (cli/bench/ours.ts HELLO_HEADERS). */
	helloHeaders?: boolean;
	/**
	 * The same load for this long before READY, so the child's code is compiled as the bench's
	 * long-running generator's is: a cold child drives a 1 s hello with about 70 µs of its own CPU
	 * per request against 44 µs warm, and that alone moves workerd's cost.
	 */
	warmupSec?: number;
};

/** What one process's generator did during its load. */
export type GeneratorState = {
	/** CPU of the process over the load (µs, user + system). */
	cpuUs: number;
	/** Collector pauses during the load (ms, summed from perf_hooks' gc entries). */
	gcMs: number;
	heapUsedMb: number;
	heapTotalMb: number;
	rssMb: number;
};

export type FreshLoadResult = { result: LoadResult; generator: GeneratorState };

const READY = "READY";
/** Start-up (module loading) plus the load's own hard stop is bounded by runLoad; this is the rest. */
const CHILD_START_TIMEOUT_MS = 30_000;

/** Summed GC pause time of this process since the observer started (ms). */
export function gcClock(): { ms(): number; stop(): void } {
	let total = 0;
	const observer = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) total += entry.duration;
	});
	observer.observe({ entryTypes: ["gc"] });
	return { ms: () => total, stop: () => observer.disconnect() };
}

/** This process's heap and RSS in MB, one decimal. */
export function memoryMb(): Pick<GeneratorState, "heapUsedMb" | "heapTotalMb" | "rssMb"> {
	const m = process.memoryUsage();
	const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
	return { heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), rssMb: mb(m.rss) };
}

/**
 * Spawns the child and resolves once it has loaded everything and waits for `go()`, which runs the
 * load and resolves with its result. Kill the child with `cancel()` if `go` is never called.
 */
export async function freshGenerator(spec: FreshLoadSpec): Promise<{
	go(): Promise<FreshLoadResult>;
	cancel(): void;
}> {
	const child = spawn(
		process.execPath,
		[resolve(import.meta.dirname, "load-child.ts"), JSON.stringify(spec)],
		{ stdio: ["pipe", "pipe", "inherit"] },
	);
	const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
	const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
	const cancel = () => {
		if (child.exitCode === null) child.kill("SIGKILL");
	};
	const next = async (what: string, timeoutMs: number): Promise<string> => {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`load child: no ${what}`)), timeoutMs);
		});
		const line = lines.next().then(async (r) => {
			if (r.done) throw new Error(`load child exited (${await exited}) before its ${what}`);
			return r.value;
		});
		try {
			return await Promise.race([line, timeout]);
		} finally {
			clearTimeout(timer);
		}
	};
	try {
		const ready = await next("ready line", CHILD_START_TIMEOUT_MS);
		if (ready !== READY) throw new Error(`load child: unexpected line ${ready}`);
	} catch (error) {
		cancel();
		throw error;
	}
	return {
		cancel,
		async go() {
			try {
				child.stdin.write("go\n");
				const limitMs = ((spec.durationSec ?? 300) + 60) * 1000;
				const answer = JSON.parse(await next("result", limitMs)) as FreshLoadResult;
				return answer;
			} finally {
				child.stdin.end();
				cancel();
			}
		},
	};
}

export { READY };
