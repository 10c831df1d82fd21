// `npm run bench:shards [-- --quick] [--object-limit N] [--room] [--connections N] [--json]
// [--no-write]`: one hot SKU split across
// K = 1, 4, 16 escrow shards (docs/decisions/020-escrow-shards.md) under the same closed-loop
// reserve load on `npm start`. Each row reports the SKU's attempts/s and the reserve calls/s
// each object decided (the quantity Cloudflare limits per object: the busiest object and the
// mean). `--object-limit N` starts the server with OBJECT_CALLS_PER_SEC=N, the local
// simulation of that limit (src/inventory/call-gate.ts): then K shards should carry about
// K times the attempts of one. A run at the full preset writes docs/measurements/shards-bench.md
// (git log keeps earlier runs); --quick or --duration writes under reports/ (cli/bench/shards-output.ts).
// `--room` adds, for each K, the same SKU with a waiting room every session was admitted to
// (docs/waiting-room.md, "Where the queue lives"): the gate's cost on the reserve path and the
// room's calls between the coordinator and the shards per 1,000 attempts; it skips the end
// game and writes docs/measurements/shards-bench-room.md.

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Stats } from "../src/shared/types.ts";
import {
	adminHeaders,
	benchStats,
	createBenchProduct,
	HOT_STOCK,
	SESSIONS,
	SETUP_WIDTH,
	sessionHeadersFor,
} from "./bench/hot-sku.ts";
import { call, expectCall, mintSessions, pool } from "./bench/http.ts";
import { parseShardsArgs, SHARDS_USAGE } from "./bench/shards-args.ts";
import { shardsOutputPath } from "./bench/shards-output.ts";
import { startServerScript } from "./bench/worker.ts";
import { runLoad } from "./lib/load.ts";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const SHARD_COUNTS = [1, 4, 16] as const;

const parsed = parseShardsArgs(process.argv.slice(2));
if (!parsed.ok) {
	// Nothing has started yet: one line naming the problem, the usage, and out.
	if ("help" in parsed) process.stdout.write(SHARDS_USAGE);
	else process.stderr.write(`bench:shards: ${parsed.problem}\n\n${SHARDS_USAGE}`);
	process.exit("help" in parsed ? 0 : 2);
}
const args = parsed.args;
const { objectLimit, connections, durationSec } = args;
const log = (line: string) => console.error(line);

type ShardRow = {
	shards: number;
	/** The SKU has a waiting room and every session was admitted before the run. */
	room: boolean;
	/** Room calls between the coordinator and the shards (asks + reports + pushes + held) per 1,000 attempts, and per second. */
	roomCallsPer1k: number | null;
	roomCallsPerSec: number | null;
	/** Of them, shards asking about a session (the reserve path's only coordinator call). */
	roomAsks: number | null;
	attemptsPerSec: number;
	/** Reserve calls/s decided by the busiest object, and by the mean object. */
	objectCallsPerSecMax: number;
	objectCallsPerSecMean: number;
	latencyMsP50: number;
	latencyMsP99: number;
	statusCounts: Record<number, number>;
	oversell: number;
	/** Attempts/s relative to K = 1 in the same run. */
	vsOne: number;
};

/** The end game: a drop of END_GAME_UNITS, bought until every buyer is told sold_out. */
const END_GAME_UNITS = 1_000;
const END_GAME_PER_USER_LIMIT = 10;
/** A buyer stops after this many sold_out answers, each after the shards' sold-out memo passed. */
const END_GAME_SOLD_OUT_TRIES = 3;
const END_GAME_PAUSE_MS = 150;

type EndGameRow = {
	shards: number;
	held: number;
	/** First hold to last hold. */
	saleMs: number;
	/** The last 1 % of the units: from the hold that reached 99 % to the last. */
	lastPercentMs: number;
};

/** Sells END_GAME_UNITS to `connections` buyers at once; when did each unit go? */
async function endGame(
	base: string,
	admin: Record<string, string>,
	tokens: string[],
	shards: number,
	stamp: string,
): Promise<EndGameRow> {
	const sku = `BENCH-END-${shards}-${stamp}`;
	await createBenchProduct(base, admin, sku, {
		totalStock: END_GAME_UNITS,
		perUserLimit: END_GAME_PER_USER_LIMIT,
		...(shards > 1 ? { shards } : {}),
	});
	const headers = sessionHeadersFor(tokens);
	const heldAtMs: number[] = [];
	await Promise.all(
		Array.from({ length: connections }, async (_, worker) => {
			let soldOut = 0;
			for (let n = 0; soldOut < END_GAME_SOLD_OUT_TRIES; n++) {
				const i = (worker + n * connections) % SESSIONS;
				const reply = await call(base, "POST", "/api/reservations", { sku }, headers(i));
				if (reply.status === 201) heldAtMs.push(Date.now());
				else if (reply.status === 409) {
					soldOut += 1;
					await new Promise((r) => setTimeout(r, END_GAME_PAUSE_MS));
				}
			}
		}),
	);
	heldAtMs.sort((a, b) => a - b);
	const at = (k: number) => heldAtMs[Math.min(heldAtMs.length - 1, Math.max(0, k))] ?? 0;
	const last = at(heldAtMs.length - 1);
	return {
		shards,
		held: heldAtMs.length,
		saleMs: last - at(0),
		lastPercentMs: last - at(Math.ceil(END_GAME_UNITS * 0.99) - 1),
	};
}

/** Reserve decisions per object, from the SKU's stats (one object: the SKU's own count). */
function decisionsPerObject(stats: Stats): number[] {
	return stats.shards?.map((s) => s.decisions) ?? [stats.decisions];
}

async function main(): Promise<void> {
	if (objectLimit > 0) process.env.OBJECT_CALLS_PER_SEC = String(objectLimit);
	log(
		`[bench:shards] starting npm start${objectLimit > 0 ? ` with OBJECT_CALLS_PER_SEC=${objectLimit} (simulated per-object limit)` : ""}`,
	);
	const server = await startServerScript("start");
	const rows: ShardRow[] = [];
	const endRows: EndGameRow[] = [];
	try {
		const base = server.url;
		const admin = adminHeaders(server.adminToken);
		const tokens = await mintSessions(base, server.debugToken, SESSIONS, SETUP_WIDTH);
		const headers = sessionHeadersFor(tokens);
		const stamp = Date.now().toString(36);
		const variants = SHARD_COUNTS.flatMap((shards) =>
			args.room
				? [
						{ shards, room: false },
						{ shards, room: true },
					]
				: [{ shards, room: false }],
		);
		for (const { shards, room } of variants) {
			const sku = `BENCH-SHARDS-${shards}${room ? "-ROOM" : ""}-${stamp}`;
			await createBenchProduct(base, admin, sku, {
				totalStock: HOT_STOCK,
				...(shards > 1 ? { shards } : {}),
				...(room ? { waitingRoom: { enabled: true, overbook: 0 } } : {}),
			});
			if (room) {
				// Every session takes its ticket and is admitted at once (the stock is far above 256).
				await pool(SESSIONS, SETUP_WIDTH, async (i) => {
					const ticket = await expectCall(
						201,
						base,
						"POST",
						`/api/products/${sku}/queue`,
						undefined,
						headers(i),
					);
					if (ticket.state !== "admitted") throw new Error(`session ${i} was not admitted`);
				});
			}
			const stats = () => benchStats(base, admin, sku);
			const load = {
				url: `${base}/api/reservations`,
				method: "POST" as const,
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ sku }),
				headersFactory: headers,
				connections,
			};
			log(`[bench:shards] K=${shards}: warm-up ${args.warmupSec}s, run ${durationSec}s`);
			// The first row also warms the server up (JIT, SQLite caches); a room run compares
			// rows two by two, so its first pair must not differ by that.
			const warmupSec = args.room && rows.length === 0 ? args.warmupSec + 3 : args.warmupSec;
			await runLoad({ ...load, durationSec: warmupSec });
			const beforeStats = await stats();
			const before = decisionsPerObject(beforeStats);
			const result = await runLoad({ ...load, durationSec });
			const after = await stats();
			const roomCalls = (s: Stats) => {
				const c = s.queue?.shardCalls;
				return c === undefined ? 0 : c.asks + c.reports + c.pushes + (c.held ?? 0);
			};
			const attempts = after.attempts - beforeStats.attempts;
			const perObject = decisionsPerObject(after).map(
				(n, i) => (n - (before[i] ?? 0)) / result.elapsedSec,
			);
			// Against K = 1 without a room; a room's row against the same K without one.
			const first = room
				? (rows.find((r) => r.shards === shards && !r.room)?.attemptsPerSec ?? result.reqPerSec)
				: (rows[0]?.attemptsPerSec ?? result.reqPerSec);
			rows.push({
				shards,
				room,
				roomCallsPer1k:
					room && attempts > 0
						? Math.round(((roomCalls(after) - roomCalls(beforeStats)) / attempts) * 10_000) / 10
						: null,
				roomCallsPerSec: room
					? Math.round((roomCalls(after) - roomCalls(beforeStats)) / result.elapsedSec)
					: null,
				roomAsks: room
					? (after.queue?.shardCalls?.asks ?? 0) - (beforeStats.queue?.shardCalls?.asks ?? 0)
					: null,
				attemptsPerSec: Math.round(result.reqPerSec),
				objectCallsPerSecMax: Math.round(Math.max(...perObject)),
				objectCallsPerSecMean: Math.round(perObject.reduce((a, b) => a + b, 0) / perObject.length),
				latencyMsP50: result.latencyMs.p50,
				latencyMsP99: result.latencyMs.p99,
				statusCounts: result.statusCounts,
				oversell: after.oversellCount,
				vsOne: Math.round((result.reqPerSec / first) * 100) / 100,
			});
		}
		for (const shards of args.room ? [] : SHARD_COUNTS) {
			log(`[bench:shards] end game, K=${shards}: ${END_GAME_UNITS} units until sold out`);
			endRows.push(await endGame(base, admin, tokens, shards, stamp));
		}
	} finally {
		await server.stop();
	}

	const header = args.room
		? "| K shards | room | attempts/s (SKU) | × (off: K=1; on: same K, off) | room calls/s (asks on the reserve path) | room calls per 1,000 attempts | object calls/s, busiest | object calls/s, mean | p50 ms | p99 ms | statuses | oversell |"
		: "| K shards | attempts/s (SKU) | × K=1 | object calls/s, busiest | object calls/s, mean | p50 ms | p99 ms | statuses | oversell |";
	const lines = rows.map(
		(r) =>
			`| ${r.shards}${args.room ? ` | ${r.room ? "on" : "off"}` : ""} | ${r.attemptsPerSec.toLocaleString("en-US")} | ${r.vsOne.toFixed(2)}×${args.room ? ` | ${r.roomCallsPerSec === null ? "–" : `${r.roomCallsPerSec} (${r.roomAsks})`} | ${r.roomCallsPer1k ?? "–"}` : ""} | ${r.objectCallsPerSecMax.toLocaleString("en-US")} | ${r.objectCallsPerSecMean.toLocaleString("en-US")} | ${r.latencyMsP50} | ${r.latencyMsP99} | ${JSON.stringify(r.statusCounts)} | ${r.oversell} |`,
	);
	const align = args.room
		? "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
		: "|---:|---:|---:|---:|---:|---:|---:|---|---:|";
	const table = [header, align, ...lines].join("\n");
	const command = `npm run bench:shards${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
	const cpu = cpus();
	const markdown = [
		"# Shards bench (one hot SKU, K objects)",
		"",
		`\`${command}\` on ${new Date().toISOString()}, ${cpu.length} × ${cpu[0]?.model ?? "CPU"}, ${connections} connections, ${durationSec} s a row, load generator on the same CPUs.`,
		objectLimit > 0
			? `Simulated per-object limit: OBJECT_CALLS_PER_SEC=${objectLimit} (src/inventory/call-gate.ts).`
			: "No per-object limit: every object shares this machine's CPUs.",
		"",
		table,
		"",
		...(args.room
			? []
			: [
					`End game: ${END_GAME_UNITS} units, ${connections} buyers at once, each until told sold_out ${END_GAME_SOLD_OUT_TRIES} times.`,
					"",
					"| K shards | units held | first to last hold, ms | last 1 % of the units, ms |",
					"|---:|---:|---:|---:|",
					...endRows.map((r) => `| ${r.shards} | ${r.held} | ${r.saleMs} | ${r.lastPercentMs} |`),
				]),
		"",
	].join("\n");
	console.log(markdown);
	const output = shardsOutputPath(
		{
			quick: args.quick,
			duration: args.duration,
			noWrite: args.noWrite,
			room: args.room,
			objectLimit,
		},
		new Date(),
	);
	if (output !== null) {
		mkdirSync(dirname(join(REPO_ROOT, output)), { recursive: true });
		writeFileSync(join(REPO_ROOT, output), markdown);
		log(`[bench:shards] wrote ${output}`);
	}
	if (args.json) console.log(JSON.stringify({ rows, endGame: endRows }));
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
