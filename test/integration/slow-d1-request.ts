// One request through the app with a D1 the test bends (slow-d1-support.ts slowD1), or other
// bindings of its own, and the outage's answer the slow-database tests expect of it
// (d1-slow.test.ts, d1-budget.test.ts).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { app } from "../../src/worker/app.ts";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import type { ApiResponse } from "./helpers.ts";
import { unlessHung } from "./hung.ts";

/**
 * One request through the app with `db` as its D1. `settled` waits for what the request left
 * running (waitUntil: a catalogue read that answers after the response).
 */
export function request<T = Record<string, unknown>>(
	db: D1Database,
	method: string,
	path: string,
	options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T> & { settled: () => Promise<void> }> {
	return requestWith<T>({ DB: db }, method, path, options);
}

/** One request through the app with `bindings` in place of the test's own (e.g. one left out). */
export async function requestWith<T = Record<string, unknown>>(
	bindings: Partial<Record<keyof typeof env, unknown>>,
	method: string,
	path: string,
	options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T> & { settled: () => Promise<void> }> {
	const headers: Record<string, string> = {};
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.body !== undefined) headers["content-type"] = "application/json";
	const body = options.body === undefined ? undefined : JSON.stringify(options.body);
	const ctx = createExecutionContext();
	const res = await unlessHung(
		`${method} ${path}`,
		Promise.resolve(
			app.fetch(
				new Request(`http://rg.test${path}`, { method, headers, body }),
				{ ...env, ...bindings } as typeof env,
				ctx,
			),
		),
	);
	const text = await res.text();
	return {
		status: res.status,
		headers: res.headers,
		body: text ? JSON.parse(text) : {},
		settled: () => unlessHung(`${path} (after the answer)`, waitOnExecutionContext(ctx)),
	};
}

export function expectUnavailable(res: ApiResponse<unknown>, what: string): void {
	expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
	expect(res.body.error?.code, what).toBe("unavailable");
	expect(res.headers.get("retry-after"), what).toBe(String(STORAGE_RETRY_AFTER_SECONDS));
}
