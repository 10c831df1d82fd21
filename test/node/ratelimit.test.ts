// Rate limits end to end over HTTP against `npm start` (docs/rate-limits.md). One server
// with RATE_LIMITS=on and a 10 s window (so waits stay short), one with
// RATE_LIMITS=off. Clients set CF-Connecting-IP, which workerd passes through
// locally (docs/rate-limits.md, "Client IPs locally"), to act as different IPs.
//
// The 100 ms script versus a person is shown in test/integration/ratelimit.test.ts
// (inside workerd, where a timer loop arrives within ~1 ms of its beat): over
// local HTTP on this shared 2-core machine the edge sees the same script with
// 1.5–5% timing variation (measured: docs/decisions/010-rate-limit-counters.md), as steady as a person keeping a
// rhythm, and the classifier deliberately errs towards the person.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";

const WINDOW_SECONDS = 10;
/** 100 a window: small enough to reach with an eager person's clicks in one window. */
const RESERVE_LIMIT = 100;

let on: TestServer;
let off: TestServer;

beforeAll(async () => {
	// One after the other, so the two start-ups do not compete for the two cores.
	on = await startServer({
		env: {
			RATE_LIMITS: "on",
			RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
			RATE_LIMIT_RESERVE: String(RESERVE_LIMIT),
		},
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

/** Seeded irregular gaps (mulberry32). */
function gaps(n: number, seed: number, minMs: number, maxMs: number): number[] {
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

/** Clicks at the given offsets without waiting for answers (a person does not wait either); statuses in click order. */
async function clickAt(
	offsetsMs: number[],
	click: () => Promise<{ status: number }>,
): Promise<number[]> {
	const start = performance.now();
	const pending: Promise<number>[] = [];
	for (const at of offsetsMs) {
		const wait = start + at - performance.now();
		if (wait > 0) await new Promise((r) => setTimeout(r, wait));
		pending.push(click().then((r) => r.status));
	}
	return Promise.all(pending);
}

function offsets(gapList: number[]): number[] {
	let t = 0;
	return gapList.map((g) => (t += g));
}

describe("RATE_LIMITS=on over HTTP", () => {
	it("an eager person gets a real outcome for every attempt in the window, then 429 with an honest Retry-After", async () => {
		// Stock is left after the window's attempts, so only the limit can refuse the next one (a
		// sold-out SKU is answered "sold out" from the edge's copy, before any limit: docs/hot-path.md).
		const sku = await product(on, RESERVE_LIMIT + 30);
		const from = ip();
		const token = await session(on, from);
		const headers = { "cf-connecting-ip": from };
		expect((await api(on, "GET", `/api/products/${sku}`, { token, headers })).status).toBe(200);
		const reserve = () => api(on, "POST", "/api/reservations", { token, headers, body: { sku } });
		const statuses = await clickAt(offsets(gaps(RESERVE_LIMIT, 21, 20, 120)), reserve);
		expect(statuses.filter((s) => s === 201)).toHaveLength(RESERVE_LIMIT);
		const refused = await reserve();
		expect(refused.status).toBe(429);
		expect(refused.body.error?.code).toBe("rate_limited");
		const retryAfter = Number(refused.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS + 1);
		await new Promise((r) => setTimeout(r, retryAfter * 1000));
		expect((await reserve()).status).toBe(201);
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
		const reset = (addr: string) =>
			api(on, "POST", `/api/admin/products/${sku}/reset`, {
				token: on.adminToken,
				headers: { "cf-connecting-ip": addr },
			});
		expect((await reset(from)).status).toBe(200);
		const refused = await reset(from);
		expect(refused.status).toBe(429);
		const retryAfter = Number(refused.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
		expect((await reset(ip())).status).toBe(200);
		await new Promise((r) => setTimeout(r, retryAfter * 1000));
		expect((await reset(from)).status).toBe(200);
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
