// `node cli/reserve-cpu.ts [seconds] [--sold-out [--room] [--shards K]] [--start] [--rate N [--timeline MS]] [--profile out.cpuprofile | --heap-profile out.heapprofile | --survivors-profile out.heapprofile]`: what one durable reserve on a hot SKU
// costs workerd in CPU, against the hello of the same server in the same run
// (docs/hot-path/reserve.md, "CPU per reserve").
// With --sold-out, the same load on a SKU created with no stock: every attempt is the 409 answered from the
// edge's copy of the SKU's state, the bench's `sold-out` row. --room gives that SKU an enabled waiting room that
// none of the sessions joined, and --shards K splits it across K objects: every attempt is then the room's 429
// `queued`, unkeyed, which the edge cannot answer (docs/decisions/114-unkeyed-attempts-on-a-room-sku.md); a sold-out
// run also prints `objectCallsPerAnswer`, the object calls its answers report (meta.cost.usage.doRequests) over a
// sample burst after the measured run, at the run's concurrency. With --rate N, the reserves are sent evenly paced at
// N a second (the open loop of the bench's half-peak rows, cli/lib/load.ts) instead of a closed loop, so CPU per
// reserve can be read at a load below the peak, where each commit carries fewer decisions; --timeline MS
// adds the paced run's latency per MS-long window of send time (is the tail a few bursts, and when?), and
// `runDecisionsPerCommit` is the measured run's own, without the warm-up's.
// On a machine shared with other work, CPU per request moves far less than requests per second,
// so this reads the workerd processes' own CPU time (/proc, Linux) around each load, as
// cli/checkout-cpu.ts does for checkouts. The worker runs on the bench's lean runtime
// (cli/bench/worker.ts); 256 sessions, 64 connections, one hot SKU, as the bench's `reserve`
// row. Run it under `flock /tmp/rg-bench.lock` like every load test. With --profile, the measured
// reserve run is also sampled by workerd's inspector (DevTools `Profiler`, every 100 µs) and the
// profile written to the file named (open it in Chrome DevTools or summarise it by function).
// With --heap-profile, the measured run's allocations are sampled instead (DevTools `HeapProfiler`
// sampling, collected objects included), for what allocates per reserve (docs/hot-path/collector.md).
// With --survivors-profile, the same sampling keeps only what no scavenge freed: what a reserve
// promotes to the old generation, whose sweep the mark-compacts pay (docs/decisions/050-collector-pauses.md).
// With --start, `npm start` itself (scripts/start.ts in its own process, as the bench's start- rows run it)
// answers the loads instead of the bench's worker; the CPU counted is that whole process tree's.

import { MAX_SHARDS } from "../src/domain/escrow.ts";
import {
	adminHeaders,
	benchStats,
	createBenchProduct,
	HOT_STOCK,
	SESSIONS,
	SETUP_WIDTH,
	sessionHeadersFor,
} from "./bench/hot-sku.ts";
import { clientIp, mintSessions } from "./bench/http.ts";
import { startBenchWorker, startServerScript } from "./bench/worker.ts";
import { INSPECTOR_PORT, profileTo } from "./lib/inspector-profile.ts";
import { type LoadOptions, runLoad } from "./lib/load.ts";
import { againstHello, helloLoad } from "./lib/workerd-cpu.ts";

const args = process.argv.slice(2);
const profileAt = args.indexOf("--profile");
const PROFILE_FILE = profileAt < 0 ? null : (args.splice(profileAt, 2)[1] ?? "reserve.cpuprofile");
const heapAt = args.indexOf("--heap-profile");
const HEAP_FILE = heapAt < 0 ? null : (args.splice(heapAt, 2)[1] ?? "reserve.heapprofile");
const survivorsAt = args.indexOf("--survivors-profile");
const SURVIVORS_FILE =
	survivorsAt < 0 ? null : (args.splice(survivorsAt, 2)[1] ?? "reserve-survivors.heapprofile");
if ([PROFILE_FILE, HEAP_FILE, SURVIVORS_FILE].filter((f) => f !== null).length > 1) {
	throw new RangeError("--profile, --heap-profile and --survivors-profile are one at a time");
}
const soldOutAt = args.indexOf("--sold-out");
const SOLD_OUT = soldOutAt >= 0;
if (SOLD_OUT) args.splice(soldOutAt, 1);
const roomAt = args.indexOf("--room");
const ROOM = roomAt >= 0;
if (ROOM) args.splice(roomAt, 1);
const shardsAt = args.indexOf("--shards");
const SHARDS = shardsAt < 0 ? 1 : Number(args.splice(shardsAt, 2)[1]);
if ((ROOM || SHARDS !== 1) && !SOLD_OUT)
	throw new RangeError("--room and --shards go with --sold-out");
if (!Number.isInteger(SHARDS) || SHARDS < 1 || SHARDS > MAX_SHARDS)
	throw new RangeError(`--shards must be an integer 1..${MAX_SHARDS}`);
const startAt = args.indexOf("--start");
const WITH_START = startAt >= 0;
if (WITH_START) args.splice(startAt, 1);
const rateAt = args.indexOf("--rate");
const RATE = rateAt < 0 ? null : Number(args.splice(rateAt, 2)[1]);
/** Paced loads above this are not below any peak this machine reaches. */
const MAX_RATE = 20_000;
const timelineAt = args.indexOf("--timeline");
const TIMELINE_MS = timelineAt < 0 ? null : Number(args.splice(timelineAt, 2)[1]);
const RESERVE_SEC = Number(args[0] ?? 4);
const MAX_RESERVE_SEC = 30;
/**
 * Long enough for the sessions' first cost-ledger flushes to have gone out (one call per
 * ledger group, one to two LEDGER_FLUSH_MS after the first spend, src/worker/cost/ledger.ts)
 * before anything is measured. With one ledger object per session (before decision 041) the
 * first flushes of 256 new ledgers stalled workerd, and a hello measured then read nothing.
 */
const WARMUP_SEC = 5;
const CONNECTIONS = 64;
const HELLO_SEC = 3;
/** Answers in the sample burst that counts object calls per answer (after the measured run). */
const CALL_SAMPLE = 1_024;

if (!Number.isFinite(RESERVE_SEC) || RESERVE_SEC < 1 || RESERVE_SEC > MAX_RESERVE_SEC) {
	throw new RangeError(`seconds must be 1..${MAX_RESERVE_SEC}`);
}
if (RATE !== null && (!Number.isInteger(RATE) || RATE < 1 || RATE > MAX_RATE)) {
	throw new RangeError(`--rate must be an integer 1..${MAX_RATE}`);
}

if (TIMELINE_MS !== null && (RATE === null || !Number.isInteger(TIMELINE_MS) || TIMELINE_MS < 10)) {
	throw new RangeError("--timeline MS needs --rate and a whole number of ms ≥ 10");
}

if (PROFILE_FILE !== null || HEAP_FILE !== null || SURVIVORS_FILE !== null)
	process.env.RG_INSPECTOR_PORT = String(INSPECTOR_PORT);

const worker = WITH_START ? await startServerScript("start") : await startBenchWorker();
try {
	const base = worker.url;
	const admin = adminHeaders(worker.adminToken);
	const sku = `${SOLD_OUT ? "CPU-GONE" : "CPU-HOT"}${ROOM ? "-ROOM" : ""}${SHARDS > 1 ? `-K${SHARDS}` : ""}-${Date.now().toString(36)}`;
	await createBenchProduct(base, admin, sku, {
		totalStock: SOLD_OUT ? 0 : HOT_STOCK,
		...(SHARDS > 1 ? { shards: SHARDS } : {}),
		...(ROOM ? { waitingRoom: { enabled: true } } : {}),
	});
	const tokens = await mintSessions(base, worker.debugToken, SESSIONS, SETUP_WIDTH);
	const reserve = (durationSec: number): LoadOptions => ({
		url: `${base}/api/reservations`,
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ sku }),
		connections: CONNECTIONS,
		durationSec,
		headersFactory: sessionHeadersFor(tokens),
		...(RATE === null ? {} : { overallRate: RATE }),
		...(TIMELINE_MS === null ? {} : { timelineMs: TIMELINE_MS }),
	});
	const hello = helloLoad(base, CONNECTIONS, HELLO_SEC, (i) => clientIp(i % SESSIONS));

	await runLoad({ ...reserve(WARMUP_SEC), timelineMs: undefined });
	// The measured run's own decisions per commit, without the warm-up's (a closed loop).
	const before = await benchStats(base, admin, sku);
	const figures = await againstHello(
		hello,
		reserve(RESERVE_SEC),
		SOLD_OUT ? "soldOut" : "reserve",
		HEAP_FILE !== null
			? profileTo(HEAP_FILE, "heap")
			: SURVIVORS_FILE !== null
				? profileTo(SURVIVORS_FILE, "survivors")
				: profileTo(PROFILE_FILE),
	);
	const stats = await benchStats(base, admin, sku);
	const calls = SOLD_OUT ? await callsPerAnswer(base, sku, tokens) : null;
	console.log(
		JSON.stringify({
			shape: { room: ROOM, shards: SHARDS },
			...figures,
			...(calls === null ? {} : calls),
			...(RATE === null ? {} : { pacedPerSec: RATE }),
			decisions: stats.decisions,
			commits: stats.commits,
			runDecisionsPerCommit: +(
				(stats.decisions - before.decisions) /
				Math.max(1, stats.commits - before.commits)
			).toFixed(2),
			oversell: stats.oversellCount,
		}),
	);
} finally {
	await worker.stop();
}

/**
 * Object calls per answer: CALL_SAMPLE unkeyed attempts over CONNECTIONS concurrent senders (the
 * load's concurrency), each answer's own count of the object calls its request made
 * (meta.cost.usage.doRequests, src/worker/cost/bindings.ts: a coalesced batch's call counts on its
 * leader's answer), summed over the sample. A background refresh of the edge's copy is not in any
 * answer's count; the cost ledger's own calls are, on every shape alike.
 */
async function callsPerAnswer(
	base: string,
	sku: string,
	tokens: readonly string[],
): Promise<{ objectCallsPerAnswer: number; sampleStatuses: Record<string, number> }> {
	const headersOf = sessionHeadersFor(tokens);
	let next = 0;
	let calls = 0;
	const statuses: Record<string, number> = {};
	const sender = async () => {
		for (let i = next++; i < CALL_SAMPLE; i = next++) {
			const res = await fetch(`${base}/api/reservations`, {
				method: "POST",
				headers: { "content-type": "application/json", ...headersOf(i) },
				body: JSON.stringify({ sku }),
				signal: AbortSignal.timeout(30_000),
			});
			const body = (await res.json()) as { meta?: { cost?: { usage?: { doRequests?: number } } } };
			const code = String(res.status);
			statuses[code] = (statuses[code] ?? 0) + 1;
			calls += body.meta?.cost?.usage?.doRequests ?? Number.NaN;
		}
	};
	await Promise.all(Array.from({ length: CONNECTIONS }, sender));
	return { objectCallsPerAnswer: +(calls / CALL_SAMPLE).toFixed(3), sampleStatuses: statuses };
}
