// HTTP load for the benchmarks. Every run is bounded in time and in count and stops itself.
// - Closed loop (the default), on top of autocannon: N keep-alive connections, each sending its
//   next request as soon as the previous answer arrives. Per-request bodies and headers
//   (sessions, Idempotency-Keys) go through autocannon's `setupRequest`, which rebuilds the raw
//   request before each send.
// - Paced (`overallRate`): an open loop that sends requests evenly spread over each second,
//   whatever the answers do. autocannon's own `overallRate` is not that: each connection sends
//   its share of the second back to back and then waits for the next second, so a run "at half
//   the peak" is the peak for part of each second and idle for the rest (measured: 1,000 req/s
//   over 64 connections arrived in the first 100–200 ms of each second), and its latency is the
//   peak's queueing.

import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { build as buildHistogram } from "hdr-histogram-js";

/** Upper bounds on any single run, whatever the caller asks. */
export const MAX_CONNECTIONS = 1_024;
export const MAX_DURATION_SEC = 600;
export const MAX_REQUESTS_PER_RUN = 10_000_000;
/** Upper bound of an `overallRate` (requests per second across all connections). */
export const MAX_OVERALL_RATE = 1_000_000;
/** An `amount` run that has not finished after this long is stopped (the server hangs). */
const AMOUNT_RUN_TIMEOUT_SEC = 300;
/** Per-request timeout; a timed-out request counts as an error, and the connection reconnects. */
const REQUEST_TIMEOUT_SEC = 10;
/** Latency histogram range in µs: 1 µs .. 60 s, three significant digits. */
const HISTOGRAM_MAX_US = 60_000_000;

export type LoadOptions = {
	url: string;
	method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	headers?: Record<string, string>;
	/** A fixed body for every request… */
	body?: string;
	/** …or one per request; `i` counts requests from 0 across all connections. */
	bodyFactory?: (i: number) => string;
	/** Extra headers per request (e.g. `authorization`, `idempotency-key`), merged over `headers`. */
	headersFactory?: (i: number) => Record<string, string>;
	connections: number;
	/**
	 * Paced instead of closed-loop: this many requests per second, evenly spread (one every
	 * 1/overallRate s, sent on PACE_TICK_MS ticks), over at most `connections` keep-alive
	 * connections, to read latency at a given load rather than at the peak. Latency counts from
	 * each request's scheduled send time, so a request that waited for a free connection counts
	 * its wait (no coordinated omission).
	 */
	overallRate?: number;
	/** Run for this long… */
	durationSec?: number;
	/** …or until this many responses arrived (takes precedence, like autocannon's `amount`). */
	amount?: number;
	/**
	 * Paced runs only: also report latency per window of this many ms of scheduled send time
	 * (`LoadResult.timeline`), to see whether a tail comes in bursts and when.
	 */
	timelineMs?: number;
	/** Called about once a second with the responses so far (for progress output). */
	onTick?: (responses: number) => void;
};

export type LoadResult = {
	/** Responses per second over the span from first send to last response. */
	reqPerSec: number;
	latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
	statusCounts: Record<number, number>;
	/** Connection errors and timeouts (no HTTP status). */
	errors: number;
	timeouts: number;
	/** Responses received (any status). */
	total: number;
	elapsedSec: number;
	/** With `timelineMs`: per window of scheduled send time, its answers' count, p50, p99 and max in ms. */
	timeline?: TimelineWindow[];
};

export type TimelineWindow = { atMs: number; n: number; p50: number; p99: number; max: number };

/** Latencies (ms) grouped by window of scheduled send time, summarised per window. */
function timelineOf(windows: number[][], windowMs: number): TimelineWindow[] {
	const at = (sorted: number[], q: number) =>
		round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
	return windows.map((ms, i) => {
		const sorted = [...(ms ?? [])].sort((a, b) => a - b);
		return {
			atMs: i * windowMs,
			n: sorted.length,
			p50: at(sorted, 0.5),
			p99: at(sorted, 0.99),
			max: round2(sorted[sorted.length - 1] ?? 0),
		};
	});
}

// autocannon ships no types; this is the slice of its API used here.
type AutocannonRequest = {
	method?: string;
	path?: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
};
type AutocannonInstance = {
	stop(): void;
	on(
		event: "response",
		listener: (client: unknown, status: number, bytes: number, timeMs: number) => void,
	): void;
	on(event: "tick", listener: () => void): void;
};
type AutocannonResult = {
	errors: number;
	timeouts: number;
	statusCodeStats: Record<string, { count: number }>;
};
type Autocannon = (
	options: Record<string, unknown>,
	done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/** How often the paced generator sends the requests that are due (one tick of Node's timers). */
const PACE_TICK_MS = 1;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	const bounds = validate(options);
	if (options.overallRate !== undefined) return runPaced(options, options.overallRate, bounds);
	// autocannon's own histogram holds whole milliseconds and reports no p95; the same per-response
	// times go into a microsecond hdr histogram here, so sub-millisecond runs stay distinguishable.
	const latencyUs = newHistogram();
	let responses = 0;
	let lastResponseMs = 0;
	let sent = 0;
	const dynamic = options.bodyFactory !== undefined || options.headersFactory !== undefined;
	const request: AutocannonRequest & {
		setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
	} = {};
	if (dynamic) {
		request.setupRequest = (raw) => {
			const i = sent++;
			if (options.bodyFactory) raw.body = options.bodyFactory(i);
			if (options.headersFactory) raw.headers = { ...raw.headers, ...options.headersFactory(i) };
			return raw;
		};
	}

	const startedMs = performance.now();
	const result = await new Promise<AutocannonResult>((resolve, reject) => {
		let guard: NodeJS.Timeout | undefined;
		const instance = autocannon(
			{
				url: options.url,
				method: options.method ?? "GET",
				headers: options.headers ?? {},
				body: options.body,
				requests: [request],
				connections: bounds.connections,
				...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
				...(bounds.amount !== undefined
					? { amount: bounds.amount }
					: { duration: bounds.durationSec, maxOverallRequests: MAX_REQUESTS_PER_RUN }),
				timeout: REQUEST_TIMEOUT_SEC,
			},
			(error, finished) => {
				clearTimeout(guard);
				if (error) reject(error);
				else resolve(finished);
			},
		);
		instance.on("response", (_client, _status, _bytes, timeMs) => {
			responses++;
			lastResponseMs = performance.now();
			latencyUs.recordValue(Math.max(1, Math.round(timeMs * 1000)));
		});
		instance.on("tick", () => options.onTick?.(responses));
		// Last line of defence: whatever happens to the server, the run ends.
		guard = setTimeout(() => instance.stop(), bounds.hardStopSec * 1000);
	});

	const statusCounts: Record<number, number> = {};
	for (const [status, stat] of Object.entries(result.statusCodeStats))
		statusCounts[Number(status)] = stat.count;
	return summarize(latencyUs, {
		responses,
		startedMs,
		lastResponseMs,
		statusCounts,
		errors: result.errors,
		timeouts: result.timeouts,
	});
}

type Histogram = ReturnType<typeof buildHistogram>;

function newHistogram(): Histogram {
	return buildHistogram({
		lowestDiscernibleValue: 1,
		highestTrackableValue: HISTOGRAM_MAX_US,
		numberOfSignificantValueDigits: 3,
	});
}

/** The run's result from its latency histogram (destroyed here) and counts. */
function summarize(
	latencyUs: Histogram,
	run: {
		responses: number;
		startedMs: number;
		lastResponseMs: number;
		statusCounts: Record<number, number>;
		errors: number;
		timeouts: number;
	},
): LoadResult {
	const elapsedSec = Math.max((run.lastResponseMs || performance.now()) - run.startedMs, 1) / 1000;
	const ms = (percentile: number) => round2(latencyUs.getValueAtPercentile(percentile) / 1000);
	const load: LoadResult = {
		reqPerSec: Math.round(run.responses / elapsedSec),
		latencyMs: {
			p50: ms(50),
			p95: ms(95),
			p99: ms(99),
			max: round2(latencyUs.maxValue / 1000),
			mean: round2(latencyUs.mean / 1000),
		},
		statusCounts: run.statusCounts,
		errors: run.errors,
		timeouts: run.timeouts,
		total: run.responses,
		elapsedSec: round2(elapsedSec),
	};
	latencyUs.destroy();
	return load;
}

/** The open loop of `overallRate`: requests sent on schedule, answers recorded as they come. */
async function runPaced(
	options: LoadOptions,
	rate: number,
	bounds: ReturnType<typeof validate>,
): Promise<LoadResult> {
	const url = new URL(options.url);
	const total = Math.min(
		bounds.amount ?? Math.max(1, Math.round(rate * bounds.durationSec)),
		MAX_REQUESTS_PER_RUN,
	);
	const agent = new Agent({ keepAlive: true, maxSockets: bounds.connections });
	const latencyUs = newHistogram();
	const statusCounts: Record<number, number> = {};
	let sent = 0;
	let responses = 0;
	let errors = 0;
	let timeouts = 0;
	let lastResponseMs = 0;
	const startedMs = performance.now();
	const windowMs = options.timelineMs;
	const windows: number[][] = [];

	await new Promise<void>((resolve) => {
		let finished = false;
		const finish = () => {
			if (finished) return;
			finished = true;
			clearInterval(pacer);
			clearInterval(ticker);
			clearTimeout(guard);
			resolve();
		};
		const settled = () => {
			if (responses + errors >= total) finish();
		};
		const send = (i: number, scheduledMs: number) => {
			const body = options.bodyFactory ? options.bodyFactory(i) : options.body;
			const headers: Record<string, string> = {
				...options.headers,
				...options.headersFactory?.(i),
			};
			if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
			const req = httpRequest(
				{
					host: url.hostname,
					port: url.port,
					path: `${url.pathname}${url.search}`,
					method: options.method ?? "GET",
					headers,
					agent,
					timeout: REQUEST_TIMEOUT_SEC * 1000,
				},
				(res) => {
					res.resume();
					res.on("end", () => {
						if (finished) return;
						responses++;
						lastResponseMs = performance.now();
						const us = Math.round((lastResponseMs - scheduledMs) * 1000);
						latencyUs.recordValue(Math.min(Math.max(1, us), HISTOGRAM_MAX_US));
						if (windowMs !== undefined) {
							const w = Math.floor((scheduledMs - startedMs) / windowMs);
							const bucket = windows[w] ?? [];
							bucket.push(us / 1000);
							windows[w] = bucket;
						}
						const status = res.statusCode ?? 0;
						statusCounts[status] = (statusCounts[status] ?? 0) + 1;
						settled();
					});
				},
			);
			req.on("timeout", () => {
				timeouts++;
				req.destroy(new Error("request timed out"));
			});
			req.on("error", () => {
				if (finished) return;
				errors++;
				settled();
			});
			req.end(body);
		};
		const pacer = setInterval(() => {
			const due = Math.min(total, Math.floor(((performance.now() - startedMs) / 1000) * rate));
			while (sent < due) {
				const i = sent++;
				send(i, startedMs + (i / rate) * 1000);
			}
			if (sent >= total) clearInterval(pacer);
		}, PACE_TICK_MS);
		const ticker = setInterval(() => options.onTick?.(responses), 1000);
		// Last line of defence: whatever happens to the server, the run ends.
		const guard = setTimeout(finish, bounds.hardStopSec * 1000);
	});
	agent.destroy();
	const result = summarize(latencyUs, {
		responses,
		startedMs,
		lastResponseMs,
		statusCounts,
		errors,
		timeouts,
	});
	if (windowMs !== undefined) result.timeline = timelineOf(windows, windowMs);
	return result;
}

function validate(options: LoadOptions): {
	connections: number;
	durationSec: number;
	amount?: number;
	hardStopSec: number;
} {
	const { connections, durationSec, amount } = options;
	if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS) {
		throw new RangeError(`connections must be an integer 1..${MAX_CONNECTIONS}`);
	}
	const rate = options.overallRate;
	if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > MAX_OVERALL_RATE)) {
		throw new RangeError(`overallRate must be an integer 1..${MAX_OVERALL_RATE}`);
	}
	if (options.body !== undefined && options.bodyFactory !== undefined) {
		throw new TypeError("give body or bodyFactory, not both");
	}
	if (amount !== undefined) {
		if (!Number.isInteger(amount) || amount < 1 || amount > MAX_REQUESTS_PER_RUN) {
			throw new RangeError(`amount must be an integer 1..${MAX_REQUESTS_PER_RUN}`);
		}
		// autocannon refuses more connections than requests.
		return {
			connections: Math.min(connections, amount),
			durationSec: 0,
			amount,
			hardStopSec: AMOUNT_RUN_TIMEOUT_SEC,
		};
	}
	if (durationSec === undefined || !(durationSec > 0) || durationSec > MAX_DURATION_SEC) {
		throw new RangeError(
			`durationSec must be in (0, ${MAX_DURATION_SEC}] when amount is not given`,
		);
	}
	// autocannon notices its deadline on its 1 s sampling tick; allow that plus request timeouts.
	return { connections, durationSec, hardStopSec: durationSec + REQUEST_TIMEOUT_SEC + 5 };
}

function round2(value: number): number {
	return Math.round(value * 100) / 100;
}
