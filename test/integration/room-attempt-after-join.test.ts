// A reserve attempt after an unread join counts for the ticket as a read does
// (docs/decisions/157-an-attempt-in-line-counts-as-a-read.md): the attempt is refused `queued`
// (not admitted yet), but it shows someone is there, which is what the short admission of an
// unread ticket is about (decision 130). It counts across the room object's sleep, as a read
// after the join does (decision 142). In one object and on a split SKU, whose room is its
// coordinator's while the attempt is decided in the session's shard: a session on the
// coordinator and one on another shard. The bot tiers are not changed: an attempt is not a read.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import type { SessionSummary } from "../../src/domain/fairness.ts";
import { UNREAD_ADMIT_SECONDS } from "../../src/domain/waiting-room.ts";
import { limited } from "./ratelimit-support.ts";
import { type Buyer, buyer, join, secondsLeft, ticketOf } from "./room-buyers.ts";
import { moveStart } from "./room-support.ts";
import { drop, roomObject, unreadRows, writtenThenSleep } from "./room-unread.ts";
import type { InventoryObject } from "./worker.ts";

const reserve = (sku: string, b: Buyer) =>
	limited("POST", "/api/reservations", {
		ip: b.ip,
		token: b.token,
		body: { sku, quantity: 1 },
	});

/** Two buyers: with shards, one whose attempts the coordinator decides and one another shard does. */
async function twoBuyers(shards: number): Promise<[Buyer, Buyer]> {
	const first = await buyer();
	let second = await buyer();
	for (let i = 0; shards > 1 && i < 60; i++) {
		const near = (b: Buyer) => shardOf(b.sessionId, shards) === 0;
		if (near(first) !== near(second)) break;
		second = await buyer();
	}
	if (shards > 1)
		expect(shardOf(first.sessionId, shards) === 0).not.toBe(
			shardOf(second.sessionId, shards) === 0,
		);
	return [first, second];
}

describe.each([1, 4])("a reserve attempt after an unread join (shards %i)", (shards) => {
	it("an attempt refused `queued` gives the whole turn, after the room's object slept", async () => {
		const sku = await drop(shards);
		const buyers = await twoBuyers(shards);
		for (const b of buyers) {
			expect((await join(sku, b)).status).toBe(201);
			const refused = await reserve(sku, b);
			expect(refused.status).toBe(429);
			expect(refused.body.error?.code).toBe("queued");
		}
		await writtenThenSleep(sku);
		expect(await unreadRows(sku)).toBe(0);
		await moveStart(sku, 0, 300);
		for (const b of buyers)
			expect(secondsLeft(await ticketOf(sku, b))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
	});
});

describe("an attempt in line and the bot signals", () => {
	it("counts for the ticket, not as a read: the fairness figures still say the session never read", async () => {
		const sku = await drop(1);
		const [b] = await twoBuyers(1);
		expect((await join(sku, b)).status).toBe(201);
		expect((await reserve(sku, b)).status).toBe(429);
		const seen = await runInDurableObject(roomObject(sku), (object: InventoryObject) =>
			object.fairnessSessions().find((s: SessionSummary) => s.sessionId === b.sessionId),
		);
		expect(seen?.attempted).toBe(true);
		expect(seen?.read).toBe(false);
	});
});
