// The runtime's ceilings, measured with the same load as our rows:
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
import { type RunningWorker, startMiniflare, startWorkerd } from "../lib/runtimes.ts";
import { type BenchRow, type RowName, skippedRow } from "./format.ts";
import { clientIp } from "./http.ts";
import { freshServer, HELLO_HEADERS, type RunShape, timedRun, toRow } from "./ours.ts";

/** As many distinct senders as our rows use (cli/bench/ours.ts SESSIONS). */
const SENDERS = 256;

async function measure(
	name: RowName,
	load: LoadOptions,
	shape: RunShape,
	log: (line: string) => void,
): Promise<BenchRow> {
	// Each ceiling row is its server's only row.
	const { result, busy } = await timedRun(name, load, freshServer(shape), log);
	return toRow(name, result, null, busy);
}

/** Runs `body` against a started worker and stops it; a worker that cannot start skips the row. */
async function withWorker(
	name: RowName,
	start: () => Promise<RunningWorker & { directUrl?: string }>,
	body: (url: string) => Promise<BenchRow>,
	warn: (line: string) => void,
): Promise<BenchRow> {
	let worker: (RunningWorker & { directUrl?: string }) | undefined;
	try {
		worker = await start();
		return await body(worker.directUrl ?? worker.url);
	} catch (error) {
		const reason = `${name} failed: ${String(error).split("\n")[0]}`;
		warn(`[bench] ${reason}`);
		return skippedRow(name, reason);
	} finally {
		await worker?.stop();
	}
}

export async function measureCeilings(
	shape: RunShape,
	log: (line: string) => void,
	warn: (line: string) => void,
): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), "revenue-guard-ceilings-"));
	const forgetDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	try {
		const stateDir = join(dir, "do");
		mkdirSync(stateDir);
		writeFileSync(join(dir, "worker.js"), WORKER_JS);
		writeFileSync(join(dir, "config.capnp"), workerdConfig(stateDir));
		const workerdHello = await withWorker(
			"workerd-hello",
			() => startWorkerd({ configPath: join(dir, "config.capnp"), socketName: "http", cwd: dir }),
			(url) =>
				measure(
					"workerd-hello",
					{ url: `${url}/`, connections: shape.connections, headersFactory: HELLO_HEADERS },
					shape,
					log,
				),
			warn,
		);
		const postJson = await withWorker(
			"post-json-hello",
			() => startMiniflare({ config: MINIFLARE_CONFIG, persistDir: join(dir, "miniflare") }),
			(url) =>
				measure(
					"post-json-hello",
					{
						url: `${url}/json`,
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
				),
			warn,
		);
		return [workerdHello, postJson];
	} finally {
		forgetDir();
		rmSync(dir, { recursive: true, force: true });
	}
}
