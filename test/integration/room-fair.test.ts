// Idle tickets and a ticket farm against the Worker and the SKU object, rate limits on
// (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md): an admission whose
// session never read the product lasts UNREAD_ADMIT_SECONDS where a reader's lasts admitSeconds,
// in one object and on a split SKU; one address holds at most RATE_LIMIT_ROOM_TICKETS places in a
// room, refused 429 `rate_limited` naming the cap, and the cap survives the object's restart.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { UNREAD_ADMIT_SECONDS } from "../../src/domain/waiting-room.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { type Buyer, buyer, join, secondsLeft, ticketOf } from "./room-buyers.ts";
import { createRoom, moveStart, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

describe.each([1, 4])("admissions of unread sessions (shards %i)", (shards) => {
	it("a reader's admission lasts admitSeconds, an idle ticket's UNREAD_ADMIT_SECONDS, across a restart", async () => {
		const sku = await createRoom(
			{
				totalStock: 4,
				perUserLimit: 1,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
				shards,
			},
			{ admitSeconds: 60 },
		);
		const idle = await Promise.all([buyer(), buyer(), buyer()]);
		const reader = await buyer();
		const read = await limited("GET", `/api/products/${sku}`, {
			ip: reader.ip,
			token: reader.token,
		});
		expect(read.status).toBe(200);
		for (const b of [...idle, reader]) expect((await join(sku, b)).status).toBe(201);
		// The room's object restarts before the start: the guard's memory of the read is gone, the
		// rows (the ticket's flag, the read stored with the ticket) are not.
		await evictDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)));
		await moveStart(sku, 0, 300);
		// Four units, four tickets: everyone is admitted, for different lengths.
		expect(secondsLeft(await ticketOf(sku, reader))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
		for (const b of idle)
			expect(secondsLeft(await ticketOf(sku, b))).toBeLessThanOrEqual(UNREAD_ADMIT_SECONDS);
	});
});

describe.each([1, 4])("tickets per address in one room (shards %i)", (shards) => {
	it("past RATE_LIMIT_ROOM_TICKETS places one address is refused 429 naming the cap, after a restart too; another address is not", async () => {
		const vars = { RATE_LIMIT_ROOM_TICKETS: "2" };
		const sku = await createRoom({
			totalStock: 5,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
			shards,
		});
		const ip = freshIp();
		const same = [await buyer(ip), await buyer(ip), await buyer(ip)];
		expect((await join(sku, same[0] as Buyer, vars)).status).toBe(201);
		expect((await join(sku, same[1] as Buyer, vars)).status).toBe(201);
		const refused = await join(sku, same[2] as Buyer, vars);
		expect(refused.status).toBe(429);
		expect(refused.body.error?.code).toBe("rate_limited");
		expect(refused.body.error?.message).toContain("already holds 2 places in the waiting room");
		expect(refused.headers.get("retry-after")).toBe("30");
		// Nothing was taken: the session has no ticket.
		const none = await limited("GET", `/api/products/${sku}/queue`, {
			ip,
			token: (same[2] as Buyer).token,
		});
		expect(none.status).toBe(404);
		// The room's object (a split SKU's coordinator) restarts: the count comes back from the rows.
		await evictDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)));
		expect((await join(sku, same[2] as Buyer, vars)).status).toBe(429);
		// A ticket already held is answered as before; another address joins.
		expect((await join(sku, same[0] as Buyer, vars)).status).toBe(200);
		expect((await join(sku, await buyer(), vars)).status).toBe(201);
	});
});

/** A fresh address in the carrier-grade NAT range (RFC 6598, 100.64.0.0/10). */
function freshCgnatIp(): string {
	const b = crypto.getRandomValues(new Uint8Array(3));
	return `100.${64 + ((b[0] ?? 0) & 63)}.${b[1]}.${b[2]}`;
}

describe("tickets per address: an IPv4 address is not capped by default, an IPv6 prefix is", () => {
	it("26 people behind one carrier-grade NAT address all take a place with the default settings", async () => {
		const sku = await createRoom({
			totalStock: 5,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const ip = freshCgnatIp();
		for (let i = 0; i < 26; i++) {
			const res = await join(sku, await buyer(ip));
			expect(res.status, `#${i + 1}: ${JSON.stringify(res.body)}`).toBe(201);
		}
		// One IPv6 /64 (one line, one device on a mobile network) still holds at most 25 by default.
		const v6 = freshIp();
		for (let i = 0; i < 25; i++) expect((await join(sku, await buyer(v6))).status).toBe(201);
		const refused = await join(sku, await buyer(v6));
		expect(refused.status).toBe(429);
		expect(refused.body.error?.message).toContain("already holds 25 places");
	});

	it("RATE_LIMIT_ROOM_TICKETS_IPV4 caps an IPv4 address where an operator sets it", async () => {
		const vars = { RATE_LIMIT_ROOM_TICKETS_IPV4: "2" };
		const sku = await createRoom({
			totalStock: 5,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const ip = freshCgnatIp();
		expect((await join(sku, await buyer(ip), vars)).status).toBe(201);
		expect((await join(sku, await buyer(ip), vars)).status).toBe(201);
		const refused = await join(sku, await buyer(ip), vars);
		expect(refused.status).toBe(429);
		expect(refused.body.error?.message).toContain("already holds 2 places");
	});
});
