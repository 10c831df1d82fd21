// Closed-loop HTTP load on top of autocannon: N keep-alive connections, each sending its next
// request as soon as the previous answer arrives. Every run is bounded in time and in count and
// stops itself. Per-request bodies and headers (sessions, Idempotency-Keys) go through
// autocannon's `setupRequest`, which rebuilds the raw request before each send.

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
	 * Paced instead of closed-loop: at most this many requests per second across all connections
	 * (autocannon's `overallRate`), to read latency at a given load rather than at the peak.
	 */
	overallRate?: number;
	/** Run for this long… */
	durationSec?: number;
	/** …or until this many responses arrived (takes precedence, like autocannon's `amount`). */
	amount?: number;
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
};

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

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	const bounds = validate(options);
	// autocannon's own histogram holds whole milliseconds and reports no p95; the same per-response
	// times go into a microsecond hdr histogram here, so sub-millisecond runs stay distinguishable.
	const latencyUs = buildHistogram({
		lowestDiscernibleValue: 1,
		highestTrackableValue: HISTOGRAM_MAX_US,
		numberOfSignificantValueDigits: 3,
	});
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

	const elapsedSec = Math.max((lastResponseMs || performance.now()) - startedMs, 1) / 1000;
	const ms = (percentile: number) => round2(latencyUs.getValueAtPercentile(percentile) / 1000);
	const statusCounts: Record<number, number> = {};
	for (const [status, stat] of Object.entries(result.statusCodeStats))
		statusCounts[Number(status)] = stat.count;
	const load: LoadResult = {
		reqPerSec: Math.round(responses / elapsedSec),
		latencyMs: {
			p50: ms(50),
			p95: ms(95),
			p99: ms(99),
			max: round2(latencyUs.maxValue / 1000),
			mean: round2(latencyUs.mean / 1000),
		},
		statusCounts,
		errors: result.errors,
		timeouts: result.timeouts,
		total: responses,
		elapsedSec: round2(elapsedSec),
	};
	latencyUs.destroy();
	return load;
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
