// The runtime's ceilings, measured with the same load as our rows (bare workerd then stays up for
// the baseline readings next to every later row, cli/bench/baseline.ts):
//   workerd-hello    bare workerd (hand-written capnp, cli/lib/ceiling-worker.ts) answering hello
//                    world: what any server on this runtime could reach at best;
//   post-json-hello  the same worker on the lean runtime (Miniflare, direct socket) parsing a
//                    reserve-sized JSON body and answering 201: the ceiling of any write path.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "../../test/support/proc.ts";
import { MINIFLARE_CONFIG, WORKER_JS, workerdConfig } from "../lib/ceiling-worker.ts";
import type { LoadOptions } from "../lib/load.ts";
import {
	type MiniflareWorker,
	type RunningWorker,
	startMiniflare,
	startWorkerd,
} from "../lib/runtimes.ts";
import { helloReader, newSeries, type Reader } from "./baseline.ts";
import { type BaselineSeries, type BenchRow, type RowName, skippedRow } from "./format.ts";
import { clientIp } from "./http.ts";
import { freshServer, HELLO_HEADERS, type RunShape, timedRun, toRow } from "./ours.ts";

/** As many distinct senders as our rows use (cli/bench/ours.ts SESSIONS). */
const SENDERS = 256;

async function measure(
	name: RowName,
	load: LoadOptions,
	shape: RunShape,
	log: (line: string) => void,
	pids: () => readonly number[],
): Promise<BenchRow> {
	// Each ceiling row is its server's first row.
	const { result, busy, cpuUsPerReq, othersCpuPercent } = await timedRun(
		name,
		load,
		freshServer(shape),
		log,
		pids,
	);
	return toRow(name, result, null, busy, cpuUsPerReq, othersCpuPercent);
}

/** Bare workerd serving the ceiling worker from files written under `dir` (which must exist). */
export async function startBareWorkerd(dir: string): Promise<RunningWorker> {
	const stateDir = join(dir, "do");
	mkdirSync(stateDir, { recursive: true });
	writeFileSync(join(dir, "worker.js"), WORKER_JS);
	writeFileSync(join(dir, "config.capnp"), workerdConfig(stateDir));
	return await startWorkerd({
		configPath: join(dir, "config.capnp"),
		socketName: "http",
		cwd: dir,
	});
}

/** The workerd-hello row's load, and every reading of bare workerd's hello. */
export function bareHelloLoad(worker: RunningWorker, connections: number): LoadOptions {
	return { url: `${worker.url}/`, connections, headersFactory: HELLO_HEADERS };
}

/** The runtime's ceilings, and bare workerd left running for the readings next to later rows. */
export type Ceilings = {
	rows: BenchRow[];
	/** Bare workerd's hello, read on demand (cli/bench/baseline.ts); absent when it did not start. */
	bare?: Reader;
	/** Every bare reading taken, the workerd-hello row first. */
	series: BaselineSeries;
	/** Stops bare workerd and removes its files. */
	stop(): Promise<void>;
};

export async function measureCeilings(
	shape: RunShape,
	log: (line: string) => void,
	warn: (line: string) => void,
	options: {
		/** Without it (`--targets`: no target reads it), only bare workerd's row is measured. */
		postJson?: boolean;
	} = {},
): Promise<Ceilings> {
	const dir = mkdtempSync(join(tmpdir(), "revenue-guard-ceilings-"));
	const forgetDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	const series = newSeries("workerd-hello");
	let bareWorker: RunningWorker | undefined;
	const stop = async () => {
		await bareWorker?.stop();
		forgetDir();
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		let workerdHello: BenchRow;
		let bare: Reader | undefined;
		try {
			const started = await startBareWorkerd(dir);
			bareWorker = started;
			const load = bareHelloLoad(started, shape.connections);
			workerdHello = await measure("workerd-hello", load, shape, log, () => started.pids());
			series.readings.push({
				at: "workerd-hello row",
				reading: {
					reqPerSec: workerdHello.reqPerSec,
					cpuUsPerReq: workerdHello.cpuUsPerReq ?? null,
					othersCpuPercent: workerdHello.othersCpuDuring ?? null,
				},
			});
			bare = helloReader(load, shape.readingSec, () => started.pids(), series);
		} catch (error) {
			const reason = `workerd-hello failed: ${String(error).split("\n")[0]}`;
			warn(`[bench] ${reason}`);
			workerdHello = skippedRow("workerd-hello", reason);
			await bareWorker?.stop();
			bareWorker = undefined;
		}
		if (options.postJson === false)
			return { rows: [workerdHello], ...(bare ? { bare } : {}), series, stop };
		// Bare workerd's row ended just before this one started; it is read again right after,
		// while the post-json worker still runs (its teardown would share the reading).
		const before = series.readings[0]?.reading;
		const postJson = await withWorker(
			"post-json-hello",
			() => startMiniflare({ config: MINIFLARE_CONFIG, persistDir: join(dir, "miniflare") }),
			async (worker) => {
				const measured = await measure(
					"post-json-hello",
					{
						url: `${worker.directUrl}/json`,
						method: "POST",
						headers: { "content-type": "application/json" },
						body: JSON.stringify({ sku: "BENCH-HOT-ceiling" }),
						// The same headers a reserve carries (cli/bench/ours.ts sessionHeaders).
						headersFactory: (i) => ({
							authorization: `Bearer ceiling-session-${i % SENDERS}`,
							"cf-connecting-ip": clientIp(i % SENDERS),
						}),
						connections: shape.connections,
					},
					shape,
					log,
					() => worker.pids(),
				);
				if (bare && before)
					measured.workerdHelloAround = [before, await bare("after post-json-hello")];
				return measured;
			},
			warn,
		);
		return { rows: [workerdHello, postJson], ...(bare ? { bare } : {}), series, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/** Runs `body` against a started worker and stops it; a worker that cannot start skips the row. */
async function withWorker(
	name: RowName,
	start: () => Promise<MiniflareWorker>,
	body: (worker: MiniflareWorker) => Promise<BenchRow>,
	warn: (line: string) => void,
): Promise<BenchRow> {
	let worker: MiniflareWorker | undefined;
	try {
		worker = await start();
		return await body(worker);
	} catch (error) {
		const reason = `${name} failed: ${String(error).split("\n")[0]}`;
		warn(`[bench] ${reason}`);
		return skippedRow(name, reason);
	} finally {
		await worker?.stop();
	}
}
