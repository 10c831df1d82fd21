// Driving the Worker with rate limits ON inside workerd. The workers project
// runs with RATE_LIMITS=off for everyone else's tests; here each request goes
// through the real app with the same bindings and RATE_LIMITS=on plus the
// test's overrides. The SKU objects take their reserve limits from the Worker
// with every batch, so they apply them too. A call with `atMs` is judged at that
// moment by every limit it meets (the request clock, test/support/clock.ts).
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type RateLimitVars, TEST_CLOCK_HEADER } from "../../src/ratelimit/config.ts";
import { app } from "../../src/worker/app.ts";
import { REQUEST_CLOCK_VARS, TestClock } from "../support/clock.ts";
import { type ApiResponse, createProduct, newSession } from "./helpers.ts";

const BASE = "http://rg.test";

export interface LimitedCall {
	ip: string;
	token?: string;
	body?: unknown;
	vars?: RateLimitVars;
	headers?: Record<string, string>;
	/** Judge this request at this moment (epoch ms) instead of the runtime's clocks. */
	atMs?: number;
}

export async function limited<T = Record<string, unknown>>(
	method: string,
	path: string,
	options: LimitedCall,
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { "cf-connecting-ip": options.ip, ...options.headers };
	if (options.atMs !== undefined) headers[TEST_CLOCK_HEADER] = String(options.atMs);
	const clockVars = options.atMs === undefined ? {} : REQUEST_CLOCK_VARS;
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] = "application/json";
	}
	const res = await app.fetch(
		new Request(`${BASE}${path}`, { method, headers, body }),
		{ ...env, RATE_LIMITS: "on", ...clockVars, ...options.vars },
		createExecutionContext(),
	);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/**
 * A fresh documentation-range (RFC 3849) address per call, so tests never share an IP's buckets:
 * each in a /64 of its own, as the server counts an IPv6 client by its /64 (src/domain/client-key.ts).
 */
export function freshIp(): string {
	const hex = crypto.randomUUID().replace(/-/g, "");
	return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4, 8)}::1`;
}

export interface Reader {
	sku: string;
	token: string;
	ip: string;
	clock: TestClock;
}

/**
 * A product with `totalStock` units (no purchase limit to speak of) and a session on
 * a fresh IP that has read it with its token (the "prior read"), on a request clock.
 */
export async function readerOf(totalStock: number, vars: RateLimitVars = {}): Promise<Reader> {
	const sku = await createProduct({ totalStock, perUserLimit: 1000 });
	const token = await newSession();
	const ip = freshIp();
	const clock = new TestClock();
	const read = await limited("GET", `/api/products/${sku}`, { ip, token, vars, atMs: clock.nowMs });
	if (read.status !== 200) throw new Error(`product read failed: ${read.status}`);
	return { sku, token, ip, clock };
}
