// Driving the Worker with rate limits ON inside workerd. The workers project
// runs with RATE_LIMITS=off for everyone else's tests; here each request goes
// through the real app with the same bindings and RATE_LIMITS=on plus the
// test's overrides. The SKU objects take their reserve limits from the Worker
// with every batch, so they apply them too.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RateLimitVars } from "../../src/limits/config.ts";
import { app } from "../../src/worker/app.ts";
import type { ApiResponse } from "./helpers.ts";

const BASE = "http://rg.test";

export interface LimitedCall {
	ip: string;
	token?: string;
	body?: unknown;
	vars?: RateLimitVars;
	headers?: Record<string, string>;
}

export async function limited<T = Record<string, unknown>>(
	method: string,
	path: string,
	options: LimitedCall,
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { "cf-connecting-ip": options.ip, ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] = "application/json";
	}
	const res = await app.fetch(
		new Request(`${BASE}${path}`, { method, headers, body }),
		{ ...env, RATE_LIMITS: "on", ...options.vars },
		createExecutionContext(),
	);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/** A fresh documentation-range (RFC 3849) address per call, so tests never share an IP's buckets. */
export function freshIp(): string {
	const hex = crypto.randomUUID().replace(/-/g, "");
	return `2001:db8::${hex.slice(0, 4)}:${hex.slice(4, 8)}`;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

/** Irregular gaps of tens to hundreds of ms, seeded (mulberry32), like an eager person clicking. */
export function humanGaps(n: number, seed: number, minMs = 20, maxMs = 150): number[] {
	let a = seed >>> 0;
	const rand = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return Array.from({ length: n }, () => minMs + Math.round(rand() * (maxMs - minMs)));
}
