// The peer rows: the same hot-SKU reserve workload against redis-lua, postgres-row-lock and
// single-writer, each in its own process on a real engine. An engine that cannot start turns
// its peers' rows into "skipped" with the reason, never into a crash.

import { runLoad } from "../lib/load.ts";
import { PEER_ENGINE, PEER_NAMES, startPeerProcess } from "../peers/spawn.ts";
import { ensurePostgres, ensureRedis, type Service } from "../services.ts";
import { bracketer, measuredLoad, type Reader } from "./baseline.ts";
import { type BenchRow, skippedRow } from "./format.ts";
import { expectCall } from "./http.ts";
import { freshServer, quietCpu, type RunShape, toRow } from "./ours.ts";

const PEER_STOCK = 10_000_000;
const PEER_SESSIONS = 256;

/**
 * The peers' rows; with `bare`, each is bracketed by bare workerd's hello read right before and
 * after it (cli/bench/baseline.ts), for its "× workerd-hello". CPU per request counts the peer's
 * Node process and its engine (redis-server; the postmaster and its backends).
 */
export async function measurePeers(
	shape: RunShape,
	log: (line: string) => void,
	warn: (line: string) => void,
	bare?: Reader,
): Promise<BenchRow[]> {
	const brackets = bracketer(undefined, bare);
	const engines: Partial<Record<"redis" | "postgres", Service | string>> = {};
	const start = async (engine: "redis" | "postgres") => {
		if (engines[engine] !== undefined) return;
		try {
			log(`[bench] starting ${engine}`);
			engines[engine] = await (engine === "redis" ? ensureRedis() : ensurePostgres());
		} catch (error) {
			const reason = `${engine} could not be started: ${String(error).split("\n")[0]}`;
			warn(`[bench] ${reason}`);
			engines[engine] = reason;
		}
	};
	const rows: BenchRow[] = [];
	try {
		for (const name of PEER_NAMES) {
			const engineName = PEER_ENGINE[name];
			await start(engineName);
			const engine = engines[engineName];
			if (engine === undefined || typeof engine === "string") {
				rows.push(skippedRow(name, engine ?? `${engineName} unavailable`));
				continue;
			}
			let peer: Awaited<ReturnType<typeof startPeerProcess>> | undefined;
			try {
				peer = await startPeerProcess(name, engine.url);
				const sku = `bench-${name}-${Date.now().toString(36)}`;
				await expectCall(201, peer.url, "POST", "/admin/setup", { sku, stock: PEER_STOCK });
				const load = {
					url: `${peer.url}/api/reservations`,
					method: "POST" as const,
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ sku }),
					headersFactory: (i: number) => ({ authorization: `Bearer session-${i % PEER_SESSIONS}` }),
					connections: shape.connections,
				};
				// Each peer row is its process's only row.
				const warmupSec = freshServer(shape).warmupSec;
				log(`[bench] ${name}: warm-up ${warmupSec}s, run ${shape.durationSec}s`);
				const busy = await quietCpu(shape);
				await runLoad({ ...load, durationSec: warmupSec });
				const peerPid = peer.pid;
				const pids = () => [...(peerPid === undefined ? [] : [peerPid]), ...engine.pids()];
				// The first peer is read before; each later one's "before" is the reading after the last.
				if (rows.every((row) => row.skipped)) brackets.start(await brackets.read(`before ${name}`));
				const { result, cpuUsPerReq, othersCpuPercent } = await measuredLoad(
					{ ...load, durationSec: shape.durationSec },
					pids,
				);
				const stats = await expectCall(200, peer.url, "GET", `/admin/stats?sku=${sku}`);
				rows.push(
					await brackets.after(
						toRow(
							name,
							result,
							Number(stats.oversell ?? Number.NaN),
							busy,
							cpuUsPerReq,
							othersCpuPercent,
						),
					),
				);
			} catch (error) {
				const reason = `${name} failed: ${String(error).split("\n")[0]}`;
				warn(`[bench] ${reason}`);
				rows.push(skippedRow(name, reason));
			} finally {
				await peer?.stop();
			}
		}
	} finally {
		for (const engine of Object.values(engines)) {
			if (engine !== undefined && typeof engine !== "string") await engine.stop();
		}
	}
	return rows;
}
