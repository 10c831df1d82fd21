// The rows measured on our worker: hello, reserve, sold-out, availability and (on the bench's own
// runtime) checkout, under the names the caller gives them. Each sets up its own SKU and sessions
// untimed, warms up, then runs closed-loop load through runLoad.

import { waitForQuietCpu } from "../lib/cpu.ts";
import { type LoadOptions, type LoadResult, runLoad } from "../lib/load.ts";
import {
	bracketer,
	helloReader,
	measuredLoad,
	newSeries,
	QUIET_CPU_PERCENT,
	type Reader,
} from "./baseline.ts";
import {
	type BaselineSeries,
	type BenchRow,
	type CommitCounters,
	commitCounters,
	decisionsPerCommit,
	type RowName,
} from "./format.ts";
import {
	adminHeaders,
	createBenchProduct,
	HOT_STOCK,
	SESSIONS,
	SETUP_WIDTH,
	sessionHeadersFor,
} from "./hot-sku.ts";
import { call, clientIp, expectCall, mintSessions, pool } from "./http.ts";
import type { BenchTarget } from "./worker.ts";

export type RunShape = {
	connections: number;
	durationSec: number;
	warmupSec: number;
	/** How long a row may wait for other processes to quieten down before it runs anyway. */
	quietWaitSec: number;
	/** Each baseline reading next to a row (cli/bench/baseline.ts): a hello this long, no warm-up. */
	readingSec: number;
	/**
	 * `--half-rate N`: the half-peak rows paced at N a second instead of half of the peak row
	 * just measured, so two builds (or two runs) compare at the same load.
	 */
	halfRate?: number;
};

/**
 * The warm-up of the first row against a freshly started server (every ceiling and peer row, our
 * hello rows): our worker costs about 10 % more CPU per request in its first 3–4 s, while V8
 * compiles it, than in steady state, and a bare hello warms up at once (docs/hot-path/start-hello.md, "`npm
 * start` hello against bare workerd"). Every server gets the same, so the ratios compare warm
 * servers.
 */
export const FRESH_SERVER_WARMUP_SEC = 4;

/** The shape of a fresh server's first row: the row's own warm-up, at least FRESH_SERVER_WARMUP_SEC. */
export function freshServer(shape: RunShape): RunShape {
	return { ...shape, warmupSec: Math.max(shape.warmupSec, FRESH_SERVER_WARMUP_SEC) };
}

export async function quietCpu(shape: RunShape): Promise<number | null> {
	return (
		(await waitForQuietCpu({
			maxBusyPercent: QUIET_CPU_PERCENT,
			maxWaitSec: shape.quietWaitSec,
		})) ?? null
	);
}

/** Checkout holds per second of run time: more than one closed loop of 64 can pay on 2 vCPUs. */
const CHECKOUT_HOLDS_PER_SEC = 600;
const CHECKOUT_WARMUP_HOLDS = 256;

/** What each of our rows is called in the table; a row without a name is not measured. */
export type OurRowNames = {
	hello: RowName;
	reserve: RowName;
	/** The reserve load paced evenly at half the reserve row's req/s (open loop, cli/lib/load.ts). */
	reserveHalfPeak: RowName;
	soldOut: RowName;
	availability: RowName;
	checkout?: RowName;
};

export const LEAN_ROWS: OurRowNames = {
	hello: "hello",
	reserve: "reserve",
	reserveHalfPeak: "reserve-half-peak",
	soldOut: "sold-out",
	availability: "availability",
	checkout: "checkout",
};

export const NPM_START_ROWS: OurRowNames = {
	hello: "start-hello",
	reserve: "start-reserve",
	reserveHalfPeak: "start-reserve-half-peak",
	soldOut: "start-sold-out",
	availability: "start-availability",
};

/** The hello request of every hello row (ours and the ceilings), so the generator's work is the same. */
export const HELLO_HEADERS = (i: number) => ({ "cf-connecting-ip": clientIp(i % SESSIONS) });

/**
 * One row's load: a warm-up, then the measured run once the machine is quiet enough (or the wait
 * ends). `beforeRun` reads what the row needs between the two (e.g. the SKU's counters).
 */
export async function timedRun(
	name: RowName,
	load: LoadOptions,
	shape: RunShape,
	log: (line: string) => void,
	pids: (() => readonly number[]) | undefined,
	beforeRun?: () => Promise<void>,
): Promise<{
	result: LoadResult;
	busy: number | null;
	cpuUsPerReq: number | null;
	othersCpuPercent: number | null;
}> {
	log(`[bench] ${name}: warm-up ${shape.warmupSec}s, run ${shape.durationSec}s`);
	const busy = await quietCpu(shape);
	await runLoad({ ...load, durationSec: shape.warmupSec });
	await beforeRun?.();
	return { ...(await measuredLoad({ ...load, durationSec: shape.durationSec }, pids)), busy };
}

/** GET /healthz, the hello-world of a server running our worker. */
export async function measureHello(
	base: string,
	shape: RunShape,
	log: (line: string) => void,
	name: RowName,
	pids?: () => readonly number[],
): Promise<BenchRow> {
	const { result, busy, cpuUsPerReq, othersCpuPercent } = await timedRun(
		name,
		helloOf(base, shape),
		freshServer(shape),
		log,
		pids,
	);
	return toRow(name, result, null, busy, cpuUsPerReq, othersCpuPercent);
}

/** The hello load of a server running our worker (its `/healthz`). */
function helloOf(base: string, shape: RunShape): LoadOptions {
	return { url: `${base}/healthz`, connections: shape.connections, headersFactory: HELLO_HEADERS };
}

/**
 * Our rows on one server. Each row after the hello is bracketed by readings of this server's
 * hello and (with `bare`) bare workerd's, taken right before and after it (cli/bench/baseline.ts);
 * the hello row stands in for the first "before". The readings go to the returned series.
 */
export async function measureOurs(
	worker: BenchTarget,
	shape: RunShape,
	log: (line: string) => void,
	names: OurRowNames,
	bare?: Reader,
): Promise<{ rows: BenchRow[]; series: BaselineSeries }> {
	const base = worker.url;
	const pids = () => worker.pids();
	const series = newSeries(names.hello);
	const own = helloReader(helloOf(base, shape), shape.readingSec, pids, series);
	const brackets = bracketer(own, bare);
	const admin = adminHeaders(worker.adminToken);
	const stamp = Date.now().toString(36);
	const createProduct = (sku: string, totalStock: number) =>
		createBenchProduct(base, admin, sku, { totalStock });
	const stats = (sku: string) =>
		expectCall(200, base, "GET", `/api/admin/products/${sku}/stats`, undefined, admin);
	const oversell = async (sku: string) => Number((await stats(sku)).oversellCount ?? Number.NaN);

	// Hello first: the sessions created below start spending at once, and a hello measured
	// after them would share the server with their cost-ledger flushes. With one ledger object
	// per session (before docs/decisions/041-ledger-groups.md) that was a stall (observed: no
	// answer at all for 6 s on a busy machine); the order stays so the hello meets a server at rest.
	const bareBefore = await bare?.(`before ${names.hello}`);
	const hello = await measureHello(base, shape, log, names.hello, pids);
	const bareAfter = await bare?.(`after ${names.hello}`);
	if (bareBefore && bareAfter) hello.workerdHelloAround = [bareBefore, bareAfter];
	const helloReading = {
		reqPerSec: hello.reqPerSec,
		cpuUsPerReq: hello.cpuUsPerReq ?? null,
		othersCpuPercent: hello.othersCpuDuring ?? null,
	};
	series.readings.push({ at: `${names.hello} row`, reading: helloReading });
	brackets.start({ own: helloReading, ...(bareAfter ? { bare: bareAfter } : {}) });
	const rows: BenchRow[] = [hello];

	const tokens = await mintSessions(base, worker.debugToken, SESSIONS, SETUP_WIDTH);
	const sessionHeaders = sessionHeadersFor(tokens);

	/** `sku`: the SKU the row writes to, whose records give its oversell and decisions per commit. */
	const measure = async (
		name: RowName,
		options: Omit<LoadOptions, "connections" | "durationSec" | "url"> & { path: string },
		sku?: string,
	): Promise<BenchRow> => {
		const { path, ...rest } = options;
		const load: LoadOptions = { ...rest, url: `${base}${path}`, connections: shape.connections };
		let before: CommitCounters | null = null;
		const { result, busy, cpuUsPerReq, othersCpuPercent } = await timedRun(
			name,
			load,
			shape,
			log,
			pids,
			async () => {
				if (sku) before = commitCounters(await stats(sku));
			},
		);
		if (!sku)
			return await brackets.after(toRow(name, result, null, busy, cpuUsPerReq, othersCpuPercent));
		const after = await stats(sku);
		return await brackets.after({
			...toRow(
				name,
				result,
				Number(after.oversellCount ?? Number.NaN),
				busy,
				cpuUsPerReq,
				othersCpuPercent,
			),
			decisionsPerCommit: decisionsPerCommit(before, commitCounters(after)),
		});
	};

	const hot = `BENCH-HOT-${stamp}`;
	await createProduct(hot, HOT_STOCK);
	const reserveLoad = {
		path: "/api/reservations",
		method: "POST" as const,
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ sku: hot }),
		headersFactory: sessionHeaders,
	};
	const peak = await measure(names.reserve, reserveLoad, hot);
	rows.push(peak);
	// The same load paced at half the peak just measured: p99 of a busy hot SKU that is not
	// saturated (at the peak, latency is only queueing). Evenly paced, open loop, over the same
	// connections, so the pacing, not a smaller pool, sets the rate.
	const halfPeak = shape.halfRate ?? Math.max(1, Math.round(peak.reqPerSec / 2));
	log(
		`[bench] ${names.reserveHalfPeak}: ${halfPeak} req/s (${shape.halfRate === undefined ? "half of" : "fixed by --half-rate; the peak was"} ${peak.reqPerSec})`,
	);
	rows.push(await measure(names.reserveHalfPeak, { ...reserveLoad, overallRate: halfPeak }, hot));

	const gone = `BENCH-GONE-${stamp}`;
	await createProduct(gone, 0);
	rows.push(
		await measure(
			names.soldOut,
			{
				path: "/api/reservations",
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ sku: gone }),
				headersFactory: sessionHeaders,
			},
			gone,
		),
	);

	rows.push(
		await measure(
			names.availability,
			{ path: `/api/products/${hot}/availability`, headersFactory: sessionHeaders },
			hot,
		),
	);

	if (names.checkout) {
		rows.push(
			await brackets.after(
				await measureCheckout(
					names.checkout,
					base,
					shape,
					createProduct,
					sessionHeaders,
					oversell,
					stamp,
					log,
					pids,
				),
			),
		);
	}
	return { rows, series };
}

async function measureCheckout(
	name: RowName,
	base: string,
	shape: RunShape,
	createProduct: (sku: string, totalStock: number) => Promise<unknown>,
	sessionHeaders: (i: number) => Record<string, string>,
	oversell: (sku: string) => Promise<number>,
	stamp: string,
	log: (line: string) => void,
	pids: () => readonly number[],
): Promise<BenchRow> {
	const sku = `BENCH-PAY-${stamp}`;
	const measured = Math.round(shape.durationSec * CHECKOUT_HOLDS_PER_SEC);
	const total = measured + CHECKOUT_WARMUP_HOLDS;
	await createProduct(sku, total);
	log(`[bench] ${name}: creating ${total} holds (untimed)`);
	const holds: { id: string; headers: Record<string, string> }[] = new Array(total);
	await pool(total, SETUP_WIDTH, async (i) => {
		const headers = sessionHeaders(i);
		const reply = await call(base, "POST", "/api/reservations", { sku }, headers);
		if (reply.status !== 201)
			throw new Error(
				`checkout setup: reserve answered ${reply.status}: ${JSON.stringify(reply.json)}`,
			);
		holds[i] = { id: String(reply.json.data?.reservationId), headers };
	});
	// One Idempotency-Key per hold and `amount` = holds, so every hold is paid exactly once.
	const payLoad = (offset: number, amount: number): LoadOptions => ({
		url: `${base}/api/checkout`,
		method: "POST",
		headers: { "content-type": "application/json" },
		connections: shape.connections,
		amount,
		bodyFactory: (i) =>
			JSON.stringify({ reservationId: holds[offset + i]?.id, paymentMethod: "pm_card_visa" }),
		headersFactory: (i) => ({
			...holds[offset + i]?.headers,
			"idempotency-key": `bench-${stamp}-${offset + i}`,
		}),
	});
	log(`[bench] ${name}: warm-up ${CHECKOUT_WARMUP_HOLDS}, run ${measured} payments`);
	const busy = await quietCpu(shape);
	await runLoad(payLoad(0, CHECKOUT_WARMUP_HOLDS));
	const { result, cpuUsPerReq, othersCpuPercent } = await measuredLoad(
		payLoad(CHECKOUT_WARMUP_HOLDS, measured),
		pids,
	);
	return toRow(name, result, await oversell(sku), busy, cpuUsPerReq, othersCpuPercent);
}

export function toRow(
	name: RowName,
	result: LoadResult,
	oversell: number | null,
	busyCpuBefore: number | null,
	cpuUsPerReq: number | null = null,
	othersCpuDuring: number | null = null,
): BenchRow {
	return {
		name,
		reqPerSec: result.reqPerSec,
		latencyMs: { p50: result.latencyMs.p50, p95: result.latencyMs.p95, p99: result.latencyMs.p99 },
		oversell,
		statusCounts: result.statusCounts,
		errors: result.errors,
		busyCpuBefore,
		othersCpuDuring,
		cpuUsPerReq,
	};
}
