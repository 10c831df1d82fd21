// Shared by the bad-input tests: the error assertion, a state snapshot, raw requests.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Availability, Stats } from "../../src/shared/types.ts";
import { ADMIN, type ApiResponse, call } from "./helpers.ts";

export const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;
export const JSON_TYPE = { "content-type": "application/json" };

export function expectError(
	res: ApiResponse<unknown>,
	status: number,
	code: string,
	names?: RegExp,
): void {
	const context = JSON.stringify(res.body);
	expect(res.status, context).toBe(status);
	expect(res.body.error?.code, context).toBe(code);
	expect(typeof res.body.error?.message).toBe("string");
	if (names !== undefined) expect(res.body.error?.message, context).toMatch(names);
	expect(typeof res.body.meta?.requestId).toBe("string");
	expect(typeof res.body.meta?.latencyMs).toBe("number");
	expect(res.body.data).toBeUndefined();
}

/**
 * Everything a bad request must leave alone: counters, attempts, rejections. Both answers'
 * `asOf` is when they were read, not what they hold, so it is left out.
 */
export async function state(
	sku: string,
): Promise<{ availability: Omit<Availability, "asOf">; stats: Omit<Stats, "asOf"> }> {
	const a = await call<Availability>("GET", `/api/products/${sku}/availability`);
	const s = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
	const { asOf: _, ...availability } = a.body.data as Availability;
	const { asOf: _read, ...stats } = s.body.data as Stats;
	return { availability, stats };
}

/** A body the Worker sees without Content-Length, the way a chunked upload arrives. */
export function chunked(text: string): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	const CHUNK = 1024;
	let at = 0;
	return new ReadableStream({
		pull(controller) {
			if (at >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(at, at + CHUNK));
			at += CHUNK;
		},
	});
}

export async function raw(request: Request): Promise<ApiResponse<unknown>> {
	const res = await worker.fetch(request);
	return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}
