// Rate limits end to end over HTTP against `npm start`. One server with
// RATE_LIMITS=on and the request clock (each request names the moment it is
// judged at, test/support/clock.ts: a minute plays in milliseconds, and no verdict
// depends on how busy the machine is), one with RATE_LIMITS=off. Clients set
// CF-Connecting-IP, which workerd passes through locally (docs/rate-limits.md,
// "Client IPs locally"), to act as different IPs.
//
// The 100 ms script versus a person is shown in test/integration/ratelimit.test.ts
// (the same request clock, inside workerd). Real timing is the bench's: over local
// HTTP on a shared 2-core machine the edge sees a 100 ms timer loop with 1.5–5%
// variation (measured: docs/decisions/010-rate-limit-counters.md), as steady as a
// person keeping a rhythm, and the classifier deliberately errs towards the person.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATE_LIMIT_WINDOW_SECONDS } from "../../src/domain/bounds.ts";
import { REQUEST_CLOCK_VARS, TestClock } from "../support/clock.ts";
import { irregularGapsMs, offsetsMs } from "../support/random.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

/** 100 a window: an eager person's clicks reach it in well under the (default) minute. */
const RESERVE_LIMIT = 100;

let on: TestServer;
let off: TestServer;

beforeAll(async () => {
	// One after the other, so the two start-ups do not compete for the two cores.
	on = await startServer({
		env: { RATE_LIMITS: "on", RATE_LIMIT_RESERVE: String(RESERVE_LIMIT), ...REQUEST_CLOCK_VARS },
	});
	off = await startServer();
});

afterAll(async () => {
	await Promise.all([on?.dispose(), off?.dispose()]);
});

let ipCount = 0;
function ip(): string {
	ipCount += 1;
	return `203.0.113.${ipCount}`;
}

async function product(
	server: TestServer,
	totalStock: number,
	perUserLimit = 1000,
): Promise<string> {
	const sku = `RL-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
	const res = await api(server, "POST", "/api/admin/products", {
		token: server.adminToken,
		headers: { "cf-connecting-ip": ip() },
		body: {
			sku,
			name: "Rate limit test",
			priceCents: 100,
			currency: "USD",
			totalStock,
			perUserLimit,
		},
	});
	expect(res.status).toBe(201);
	return sku;
}

async function session(server: TestServer, from: string): Promise<string> {
	const res = await api<{ token: string }>(server, "POST", "/api/sessions", {
		headers: { "cf-connecting-ip": from },
		body: { turnstileToken: server.debugToken },
	});
	expect(res.status).toBe(201);
	return res.body.data?.token ?? "";
}

describe("RATE_LIMITS=on over HTTP", () => {
	it("an eager person gets a real outcome for every attempt in the window, then 429 with an honest Retry-After", async () => {
		// Stock is left after the window's attempts, so only the limit can refuse the next one (a
		// sold-out SKU is answered "sold out" from the edge's copy, before any limit: docs/hot-path/how-it-works.md).
		const sku = await product(on, RESERVE_LIMIT + 30);
		const from = ip();
		const token = await session(on, from);
		const clock = new TestClock();
		const headers = (atMs: number) => ({ "cf-connecting-ip": from, ...clock.header(atMs) });
		expect(
			(await api(on, "GET", `/api/products/${sku}`, { token, headers: headers(clock.nowMs) }))
				.status,
		).toBe(200);
		const reserve = (atMs: number) =>
			api(on, "POST", "/api/reservations", { token, headers: headers(atMs), body: { sku } });
		// Clicks at irregular moments a person could make (never 20 within a second: not a burst).
		const statuses: number[] = [];
		for (const at of offsetsMs(irregularGapsMs(RESERVE_LIMIT, 21, 20, 120), clock.nowMs)) {
			statuses.push((await reserve(at)).status);
			clock.nowMs = at;
		}
		expect(statuses).toEqual(Array(RESERVE_LIMIT).fill(201));
		const refused = await reserve(clock.advance(100));
		expect(refused.status).toBe(429);
		expect(refused.body.error?.code).toBe("rate_limited");
		const retryAfter = Number(refused.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_SECONDS + 1);
		expect((await reserve(clock.advance(retryAfter * 1000))).status).toBe(201);
		const stats = await api<{ rejected: Record<string, number> }>(
			on,
			"GET",
			`/api/admin/products/${sku}/stats`,
			{
				token: on.adminToken,
				headers: { "cf-connecting-ip": ip() },
			},
		);
		expect(stats.body.data?.rejected["rate_limited.reserve"]).toBe(1);
	});

	it("a second reset within the window is 429, another IP may reset, and after Retry-After the first may again", async () => {
		const sku = await product(on, 5);
		const from = ip();
		const clock = new TestClock();
		const reset = (addr: string, atMs = clock.nowMs) =>
			api(on, "POST", `/api/admin/products/${sku}/reset`, {
				token: on.adminToken,
				headers: { "cf-connecting-ip": addr, ...clock.header(atMs) },
			});
		expect((await reset(from)).status).toBe(200);
		const refused = await reset(from, clock.advance(1_000));
		expect(refused.status).toBe(429);
		const retryAfter = Number(refused.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_SECONDS);
		expect((await reset(ip())).status).toBe(200);
		expect((await reset(from, clock.advance(retryAfter * 1000))).status).toBe(200);
	});
});

describe("RATE_LIMITS=off over HTTP", () => {
	it("2,000 attempts from one session, back to back, all get their real outcome (speed is the bench's to measure)", async () => {
		const sku = await product(off, 1000);
		const from = ip();
		const token = await session(off, from);
		const counts: Record<number, number> = {};
		let next = 0;
		// 25 clients in parallel, 2,000 attempts in all, no pause: a bot's pattern, which limits off must let through.
		await Promise.all(
			Array.from({ length: 25 }, async () => {
				while (next < 2000) {
					next += 1;
					const res = await api(off, "POST", "/api/reservations", {
						token,
						headers: { "cf-connecting-ip": from },
						body: { sku },
					});
					counts[res.status] = (counts[res.status] ?? 0) + 1;
				}
			}),
		);
		expect(counts).toEqual({ 201: 1000, 409: 1000 });
	});
});
