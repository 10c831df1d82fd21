// A small JSON client over node:http(s) with a keep-alive agent sized to the
// run's concurrency. Plain node:http rather than fetch: on a 2-core machine
// shared with the server, fetch's per-request overhead (streams, Headers,
// AbortSignal) takes CPU the server needs; node:http's parser is leaner.
// Transport failures are values (status 0), never exceptions.
//
// Kept-alive sockets and the server closing them: docs/decisions/052-kept-alive-sockets.md.

import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
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
/**
 * workerd's HTTP server (the socket `npm start` serves on, scripts/runtime.ts) closes a
 * kept-alive connection that carried no request for this long, and its answers carry no
 * `Keep-Alive: timeout=` that Node's agent could go by (test/node/kept-alive-sockets.test.ts).
 * A request the agent puts on such a socket as the server closes it gets no answer.
 */
export const SERVER_IDLE_CLOSE_MS = 15_000;
/**
 * So the agent closes a socket idle this long itself, first: a new connection on loopback costs
 * far less than a lost answer, and the gap to the server's close is room for a client whose
 * event loop runs late on a loaded machine.
 */
export const IDLE_SOCKET_MS = 4_000;
/**
 * When one still meets a closed socket (a reused one that failed before one byte of answer:
 * the server never read the request), the request is sent again if repeating it is safe:
 * a read, or a write carrying an Idempotency-Key (answered with its first answer, never done
 * twice). At most this many times; each is counted (`staleResends`).
 */
export const MAX_STALE_SOCKET_RESENDS = 2;
/** Methods that change nothing, so sent again without a key. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * What Node reports when the peer closed a socket under a request (ECONNRESET is also its
 * "socket hang up"), or when the agent handed out one already closed and not yet dropped.
 */
const CLOSED_SOCKET_CODES: ReadonlySet<string> = new Set([
	"ECONNRESET",
	"EPIPE",
	"ERR_STREAM_DESTROYED",
]);

export interface Answer<T> {
	/** HTTP status, or 0 when the request got no answer (connection error, timeout). */
	status: number;
	data: T | null;
	error: { code: string; message: string } | null;
	meta: Meta | null;
	/** Client-side wall time from send to last byte (from the first send when it was sent again). */
	latencyMs: number;
	/** Why the transport failed (status 0), or why the body was not JSON. */
	problem: string | null;
	retryAfter: string | null;
}

/** A request that met a kept-alive socket the server had closed: why, and how long the socket sat idle. */
interface StaleSocket {
	reason: string;
	idleMs: number | null;
}

export interface RequestOptions {
	token?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

export class JsonClient {
	/** Every 429 this client was answered, retried ones included: the report shows them all. */
	rateLimited = 0;
	/** Requests sent again because they met a socket the server had closed (MAX_STALE_SOCKET_RESENDS). */
	staleResends = 0;
	private readonly base: URL;
	private readonly agent: http.Agent;
	/** When each idle socket was last handed back to the agent: how long a failed one sat idle. */
	private readonly freedAtMs = new WeakMap<Socket, number>();
	private readonly transport: typeof http | typeof https;
	private readonly defaultHeaders: Record<string, string>;

	/** `defaultHeaders` go on every request unless the request sets the same header. */
	constructor(baseUrl: string, maxSockets: number, defaultHeaders: Record<string, string> = {}) {
		this.base = new URL(baseUrl);
		this.defaultHeaders = defaultHeaders;
		const secure = this.base.protocol === "https:";
		this.transport = secure ? https : http;
		const AgentClass = secure ? https.Agent : http.Agent;
		// `timeout` is the idle socket's (a request sets its own, REQUEST_TIMEOUT_MS).
		this.agent = new AgentClass({
			keepAlive: true,
			maxSockets,
			maxFreeSockets: maxSockets,
			timeout: IDLE_SOCKET_MS,
		});
		this.agent.on("free", (socket: Socket) => this.freedAtMs.set(socket, performance.now()));
	}

	/** Sockets kept open for the next request. */
	idleSockets(): number {
		return Object.values(this.agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
	}

	async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
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
		for (let resends = 0; ; resends++) {
			const sent = await this.send<T>(method, path, headers, payload);
			if (sent.stale === null) return { ...sent.answer, latencyMs: performance.now() - startedMs };
			const { reason, idleMs } = sent.stale;
			const idle = idleMs === null ? "" : ` after ${Math.round(idleMs)} ms idle`;
			const repeatable = isRepeatable(method, headers);
			if (repeatable && resends < MAX_STALE_SOCKET_RESENDS) {
				this.staleResends++;
				// A turn of the event loop first: the server closed its other idle sockets at the
				// same moment, and they leave the agent's pool once those closes are read.
				await sleep(0);
				continue;
			}
			const why = repeatable
				? `sent ${resends + 1} time${resends === 0 ? "" : "s"}`
				: "not sent again: a write without an Idempotency-Key";
			return {
				...sent.answer,
				problem: `${reason} on a kept-alive socket${idle}, before any answer (${why})`,
				latencyMs: performance.now() - startedMs,
			};
		}
	}

	/**
	 * One try. `stale` is set when the request met a socket the server had closed: reused,
	 * reset before one byte of answer came back (not a timeout), so the server never read it.
	 */
	private send<T>(
		method: string,
		path: string,
		headers: Record<string, string>,
		payload: string | undefined,
	): Promise<{ answer: Omit<Answer<T>, "latencyMs">; stale: StaleSocket | null }> {
		return new Promise((resolve) => {
			let settled = false;
			const finish = (answer: Omit<Answer<T>, "latencyMs">, stale: StaleSocket | null = null) => {
				if (settled) return;
				settled = true;
				resolve({ answer, stale });
			};
			const lost = (problem: string, stale: StaleSocket | null = null) =>
				finish(
					{ status: 0, data: null, error: null, meta: null, problem, retryAfter: null },
					stale,
				);
			let socket: Socket | null = null;
			let bytesReadBefore = 0;
			let idleMs: number | null = null;
			let timedOut = false;
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
			req.on("socket", (s: Socket) => {
				socket = s;
				bytesReadBefore = s.bytesRead;
				const freedMs = this.freedAtMs.get(s);
				idleMs = req.reusedSocket && freedMs !== undefined ? performance.now() - freedMs : null;
			});
			req.on("timeout", () => {
				timedOut = true;
				req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
			});
			req.on("error", (error: NodeJS.ErrnoException) => {
				const unanswered = socket !== null && socket.bytesRead === bytesReadBefore;
				const closed = CLOSED_SOCKET_CODES.has(error.code ?? "");
				const stale = req.reusedSocket && unanswered && closed && !timedOut;
				lost(error.message, stale ? { reason: error.message, idleMs } : null);
			});
			req.end(payload);
		});
	}

	/**
	 * For requests that are safe to repeat (reads, and writes carrying an Idempotency-Key):
	 * tries again while there is no answer or a 5xx (a dev server reloading answers 503),
	 * and after a 429's Retry-After (a refused request changed nothing). Once `stop()` says so,
	 * the answer in hand stands: no further try.
	 */
	async retrying<T>(
		method: string,
		path: string,
		options: RequestOptions = {},
		stop: () => boolean = () => false,
	): Promise<Answer<T>> {
		for (let attempt = 1; ; attempt++) {
			const answer = await this.request<T>(method, path, options);
			if (attempt >= RETRY_ATTEMPTS || stop()) return answer;
			const waitMs = retryWaitMs(answer, attempt);
			if (waitMs === null) return answer;
			await sleep(waitMs);
			if (stop()) return answer;
		}
	}

	close(): void {
		this.agent.destroy();
	}
}

/** A read, or a request carrying an Idempotency-Key: the server does it at most once whatever is sent. */
function isRepeatable(method: string, headers: Record<string, string>): boolean {
	if (SAFE_METHODS.has(method.toUpperCase())) return true;
	return Object.keys(headers).some((name) => name.toLowerCase() === "idempotency-key");
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
