// A small JSON client over node:http(s) with a keep-alive agent sized to the
// run's concurrency. Plain node:http rather than fetch: on a 2-core machine
// shared with the server, fetch's per-request overhead (streams, Headers,
// AbortSignal) takes CPU the server needs; node:http's parser is leaner.
// Transport failures are values (status 0), never exceptions.

import http from "node:http";
import https from "node:https";
import { sleep } from "../../src/shared/sleep.ts";
import type { Meta } from "../../src/shared/types.ts";

/** A request that has not answered after this long counts as lost (status 0). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Tries of a repeatable request, and the pause before the next (times the attempt number). */
export const RETRY_ATTEMPTS = 4;
const RETRY_PAUSE_MS = 500;
/**
 * A repeatable request refused with 429 is tried again after its Retry-After
 * when that is at most this long (the server's default window is 60 s);
 * a longer wait is answered as the 429 itself.
 */
export const MAX_RETRY_AFTER_SECONDS = 61;
/** Response bodies past this are cut off: the API's answers are a few hundred bytes. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface Answer<T> {
	/** HTTP status, or 0 when the request got no answer (connection error, timeout). */
	status: number;
	data: T | null;
	error: { code: string; message: string } | null;
	meta: Meta | null;
	/** Client-side wall time from send to last byte. */
	latencyMs: number;
	/** Why the transport failed (status 0), or why the body was not JSON. */
	problem: string | null;
	retryAfter: string | null;
}

export interface RequestOptions {
	token?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

export class JsonClient {
	/** Every 429 this client was answered, retried ones included: the report shows them all. */
	rateLimited = 0;
	private readonly base: URL;
	private readonly agent: http.Agent;
	private readonly transport: typeof http | typeof https;
	private readonly defaultHeaders: Record<string, string>;

	/** `defaultHeaders` go on every request unless the request sets the same header. */
	constructor(baseUrl: string, maxSockets: number, defaultHeaders: Record<string, string> = {}) {
		this.base = new URL(baseUrl);
		this.defaultHeaders = defaultHeaders;
		const secure = this.base.protocol === "https:";
		this.transport = secure ? https : http;
		const AgentClass = secure ? https.Agent : http.Agent;
		this.agent = new AgentClass({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
	}

	request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
		const headers: Record<string, string> = {
			accept: "application/json",
			...this.defaultHeaders,
			...options.headers,
		};
		if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
		let payload: string | undefined;
		if (options.body !== undefined) {
			payload = JSON.stringify(options.body);
			headers["content-type"] = "application/json";
			headers["content-length"] = String(Buffer.byteLength(payload));
		}
		const startedMs = performance.now();
		return new Promise((resolve) => {
			let settled = false;
			const finish = (answer: Omit<Answer<T>, "latencyMs">) => {
				if (settled) return;
				settled = true;
				resolve({ ...answer, latencyMs: performance.now() - startedMs });
			};
			const lost = (problem: string) =>
				finish({ status: 0, data: null, error: null, meta: null, problem, retryAfter: null });
			const req = this.transport.request(
				{
					protocol: this.base.protocol,
					hostname: this.base.hostname,
					port: this.base.port,
					method,
					path,
					headers,
					agent: this.agent,
					timeout: REQUEST_TIMEOUT_MS,
				},
				(res) => {
					const chunks: Buffer[] = [];
					let size = 0;
					res.on("data", (chunk: Buffer) => {
						size += chunk.length;
						if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
					});
					res.on("error", (error) => lost(error.message));
					res.on("end", () => {
						const status = res.statusCode ?? 0;
						if (status === 429) this.rateLimited++;
						const retryAfter = headerValue(res.headers["retry-after"]);
						const text = Buffer.concat(chunks).toString("utf8");
						const parsed = parseEnvelope<T>(text);
						finish({ status, retryAfter, ...parsed });
					});
				},
			);
			req.on("timeout", () => {
				req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
			});
			req.on("error", (error) => lost(error.message));
			req.end(payload);
		});
	}

	/**
	 * For requests that are safe to repeat (reads, and writes carrying an Idempotency-Key):
	 * tries again while there is no answer or a 5xx (a dev server reloading answers 503),
	 * and after a 429's Retry-After (a refused request changed nothing).
	 */
	async retrying<T>(
		method: string,
		path: string,
		options: RequestOptions = {},
	): Promise<Answer<T>> {
		for (let attempt = 1; ; attempt++) {
			const answer = await this.request<T>(method, path, options);
			if (attempt >= RETRY_ATTEMPTS) return answer;
			const waitMs = retryWaitMs(answer, attempt);
			if (waitMs === null) return answer;
			await sleep(waitMs);
		}
	}

	close(): void {
		this.agent.destroy();
	}
}

/** How long to wait before trying a repeatable request again; null when its answer stands. */
function retryWaitMs(answer: Answer<unknown>, attempt: number): number | null {
	if (answer.status === 0 || answer.status >= 500) return RETRY_PAUSE_MS * attempt;
	if (answer.status !== 429) return null;
	const seconds = Number(answer.retryAfter);
	if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS) return null;
	return seconds * 1000;
}

function headerValue(value: string | string[] | undefined): string | null {
	if (value === undefined) return null;
	return Array.isArray(value) ? (value[0] ?? null) : value;
}

function parseEnvelope<T>(text: string): Pick<Answer<T>, "data" | "error" | "meta" | "problem"> {
	if (text === "") return { data: null, error: null, meta: null, problem: "empty body" };
	try {
		const body = JSON.parse(text) as {
			data?: T;
			error?: { code: string; message: string };
			meta?: Meta;
		};
		return {
			data: body.data ?? null,
			error: body.error ?? null,
			meta: body.meta ?? null,
			problem: null,
		};
	} catch {
		return { data: null, error: null, meta: null, problem: `not JSON: ${text.slice(0, 120)}` };
	}
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight; stops early when `stop()` says so. */
export async function pool(
	count: number,
	limit: number,
	task: (i: number) => Promise<void>,
	stop: () => boolean = () => false,
): Promise<number> {
	let next = 0;
	const worker = async () => {
		while (next < count && !stop()) {
			const i = next++;
			await task(i);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
	return Math.min(next, count);
}
