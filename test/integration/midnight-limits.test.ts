// Per-address limits across midnight UTC (docs/decisions/160-per-address-limits-across-midnight.md):
// an address is counted by a keyed hash whose key turns over at 00:00 UTC (src/worker/secrets.ts),
// so each count below looks one day back too, and the address's cap holds across that moment
// instead of starting afresh: the live feed's places (sockets opened before midnight keep
// yesterday's tag), the waiting room's places (tickets keep yesterday's key), and the session and
// reset limiters (objects named by the day's hash). The clock is injected: the isolate's Date,
// which the Worker, the objects and the limiters all read here (one isolate), moved by hand to
// either side of a midnight.

import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS } from "../../src/domain/bounds.ts";
import { clientKey, DEFAULT_IPV6_PREFIX_BITS } from "../../src/domain/client-key.ts";
import { LIVE_FLOOD_CLOSE_CODE, LIVE_FLOOD_COOLDOWN_MS } from "../../src/inventory/live-asks.ts";
import type { Ticket } from "../../src/shared/types.ts";
import { ipHash } from "../../src/worker/secrets.ts";
import { ADMIN, createProduct, DEBUG } from "./helpers.ts";
import { liveViewers, upgrade } from "./live-viewers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { createRoom, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The next midnight UTC: a drop at 7 pm US Eastern (winter). */
const MIDNIGHT = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
const BEFORE = MIDNIGHT - 10_000;
const AFTER = MIDNIGHT + 10_000;

beforeEach(() => {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(BEFORE - 30_000);
});
afterEach(() => {
	vi.useRealTimers();
});

/** The limiter object of `bucket` that counted `ip` on the UTC day of `atMs`. */
async function limiterOf(bucket: string, ip: string, atMs: number) {
	const key = clientKey(ip, DEFAULT_IPV6_PREFIX_BITS);
	const hash = await ipHash(env.IP_HASH_SECRET as string, key, atMs);
	return env.LIMITER.get(env.LIMITER.idFromName(`${bucket}:${hash.slice(0, 32)}`));
}

describe("the live feed's places per address across midnight UTC", () => {
	const live = liveViewers();

	it.each([1, 4])(
		"sockets opened before midnight still count after it (shards %i)",
		async (shards) => {
			const sku = await createProduct({ totalStock: 2, shards });
			const crowd = freshIp();
			vi.setSystemTime(BEFORE);
			await Promise.all(
				Array.from({ length: DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS }, () => live.viewer(sku, crowd)),
			);
			expect((await upgrade(sku, crowd)).status).toBe(429);
			vi.setSystemTime(AFTER);
			const after = await upgrade(sku, crowd);
			after.webSocket?.accept();
			after.webSocket?.close(1000, "done");
			expect(after.status).toBe(429);
			// Another address is taken, after midnight as before.
			await live.viewer(sku, freshIp());
		},
	);

	it("an address whose socket was closed for flooding just before midnight waits its cool-down after it too", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const ip = freshIp();
		const floodedAt = MIDNIGHT - 2_000;
		vi.setSystemTime(floodedAt);
		const ws = await live.viewer(sku, ip);
		const closed = new Promise<number>((resolve) =>
			ws.addEventListener("close", (e) => resolve(e.code), { once: true }),
		);
		for (let i = 0; i < 200; i++) ws.send("?");
		expect(await closed).toBe(LIVE_FLOOD_CLOSE_CODE);
		// Its socket carries yesterday's tag; its next upgrade comes with today's hash.
		vi.setSystemTime(MIDNIGHT + 1_000);
		const after = await upgrade(sku, ip);
		after.webSocket?.accept();
		after.webSocket?.close(1000, "done");
		expect(after.status).toBe(429);
		expect(after.headers.get("retry-after")).toBe("5");
		// Once the cool-down is over, the address is taken again.
		vi.setSystemTime(floodedAt + LIVE_FLOOD_COOLDOWN_MS);
		await live.viewer(sku, ip);
	});
});

describe.each([1, 4])(
	"the waiting room's places per address across midnight UTC (shards %i)",
	(shards) => {
		it("tickets taken before midnight hold their places after it", async () => {
			const vars = { RATE_LIMIT_ROOM_TICKETS: "2" };
			const sku = await createRoom({
				totalStock: 5,
				perUserLimit: 1,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
				shards,
			});
			const ip = freshIp();
			const session = async () => {
				const res = await limited<{ token: string }>("POST", "/api/sessions", {
					ip,
					vars,
					body: { turnstileToken: DEBUG },
				});
				expect(res.status, JSON.stringify(res.body)).toBe(201);
				return (res.body.data as { token: string }).token;
			};
			const tokens = [await session(), await session(), await session()];
			const join = (token: string) =>
				limited<Ticket>("POST", `/api/products/${sku}/queue`, { ip, token, vars });
			vi.setSystemTime(BEFORE);
			expect((await join(tokens[0] as string)).status).toBe(201);
			expect((await join(tokens[1] as string)).status).toBe(201);
			vi.setSystemTime(AFTER);
			const refused = await join(tokens[2] as string);
			expect(refused.status, JSON.stringify(refused.body)).toBe(429);
			expect(refused.body.error?.message).toContain("already holds 2 places in the waiting room");
		});
	},
);

describe("the session and reset limiters across midnight UTC", () => {
	it("a client that spent its sessions just before midnight is refused just after, until its bucket refills", async () => {
		const ip = freshIp();
		// The limiter of the day before, spent by other isolates in the last seconds of the day.
		// (one token comes back every 2 s, so a second after midnight none has yet).
		vi.setSystemTime(MIDNIGHT - 100);
		const yesterday = await limiterOf("sessions", ip, Date.now());
		for (let i = 0; i < 30; i++) expect((await yesterday.takeToken(30, 60_000)).ok).toBe(true);
		const session = (from = ip) =>
			limited("POST", "/api/sessions", { ip: from, body: { turnstileToken: DEBUG } });
		vi.setSystemTime(MIDNIGHT + 1_000);
		const refused = await session();
		expect(refused.status, JSON.stringify(refused.body)).toBe(429);
		expect(refused.body.error?.message).toContain("30 new sessions per 60 s");
		// Another client is not affected; and once the window has passed, today's bucket alone counts.
		expect((await session(freshIp())).status).toBe(201);
		vi.setSystemTime(MIDNIGHT + 60_000);
		expect((await session()).status).toBe(201);
	});

	it("a client spending at the refill rate through the first window after midnight gets no fresh bucket when the window ends", async () => {
		const ip = freshIp();
		// Spent by other isolates in the day's last moment, as above.
		vi.setSystemTime(MIDNIGHT - 100);
		const yesterday = await limiterOf("sessions", ip, Date.now());
		for (let i = 0; i < 30; i++) expect((await yesterday.takeToken(30, 60_000)).ok).toBe(true);
		const session = () => limited("POST", "/api/sessions", { ip, body: { turnstileToken: DEBUG } });
		// Then one session each time a token comes back (every 2 s), all through the first window:
		// each is taken from yesterday's bucket and today's.
		for (let atMs = 2_000; atMs < 60_000; atMs += 2_000) {
			vi.setSystemTime(MIDNIGHT + atMs);
			const res = await session();
			expect(res.status, `at midnight + ${atMs} ms: ${JSON.stringify(res.body)}`).toBe(201);
		}
		// The window is over and today's bucket answers alone: as empty as one bucket kept through
		// midnight would be (one token back since the last take), not full.
		vi.setSystemTime(MIDNIGHT + 60_000);
		expect((await session()).status).toBe(201);
		const refused = await session();
		expect(refused.status, JSON.stringify(refused.body)).toBe(429);
		expect(refused.body.error?.message).toContain("30 new sessions per 60 s");
	});

	it("a reset just before midnight counts against one just after", async () => {
		const sku = await createProduct();
		const ip = freshIp();
		const reset = () => limited("POST", `/api/admin/products/${sku}/reset`, { ip, token: ADMIN });
		vi.setSystemTime(BEFORE);
		expect((await reset()).status).toBe(200);
		vi.setSystemTime(AFTER);
		expect((await reset()).status).toBe(429);
		vi.setSystemTime(BEFORE + 60_000);
		expect((await reset()).status).toBe(200);
	});
});
