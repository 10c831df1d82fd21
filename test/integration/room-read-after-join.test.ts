// A read after an unread join reaches the admission (docs/decisions/142-a-read-after-the-join.md):
// docs/api.md ("Waiting room") gives a ticket the short admission only when its session had not
// read the product at its join "and has not since". The read after the join counts across the
// room object's sleep (the ticket's row is written with the room's next write, or within
// READ_SINCE_FLUSH_MS), and a read the object never saw (an availability read answered from the
// edge's copy) counts once the session's ticket read carries the edge's memory of it, as the
// join does. In one object and on a split SKU, whose room is its coordinator's. Also: the share
// of unread tickets refuses a join with words that say what to do.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_UNREAD_TICKETS, UNREAD_ADMIT_SECONDS } from "../../src/domain/waiting-room.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { READ_SINCE_FLUSH_MS } from "../../src/inventory/waiting-room.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { limited } from "./ratelimit-support.ts";
import { type Buyer, buyer, join, secondsLeft, ticketOf } from "./room-buyers.ts";
import { insertTicketRows, setNextSeq } from "./room-rows.ts";
import { createRoom, moveStart, PRE_QUEUE_HOLD_MS } from "./room-support.ts";
import { drop, roomObject, unreadRows, writtenThenSleep } from "./room-unread.ts";

function read(sku: string, b: Buyer, what: "" | "/availability" = "") {
	return limited("GET", `/api/products/${sku}${what}`, { ip: b.ip, token: b.token });
}

describe.each([1, 4])("a read after an unread join (shards %i)", (shards) => {
	it("a product read after the join gives the whole turn, after the room's object slept", async () => {
		const sku = await drop(shards);
		const late = await buyer();
		expect((await join(sku, late)).status).toBe(201);
		expect((await read(sku, late)).status).toBe(200);
		await writtenThenSleep(sku);
		await moveStart(sku, 0, 300);
		expect(secondsLeft(await ticketOf(sku, late))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
	});

	it("the read rides the room's next write: another join, then the object sleeps at once", async () => {
		const sku = await drop(shards);
		const late = await buyer();
		expect((await join(sku, late)).status).toBe(201);
		expect((await read(sku, late)).status).toBe(200);
		const other = await buyer();
		expect((await read(sku, other)).status).toBe(200);
		expect((await join(sku, other)).status).toBe(201);
		await evictDurableObject(roomObject(sku));
		await moveStart(sku, 0, 300);
		expect(secondsLeft(await ticketOf(sku, late))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
		expect(secondsLeft(await ticketOf(sku, other))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
	});

	it("an availability read the object did not keep counts once the ticket read carries the edge's memory of it", async () => {
		const sku = await drop(shards);
		const late = await buyer();
		expect((await join(sku, late)).status).toBe(201);
		// Answered from the edge's copy or by the object: either way the object's memory of it goes
		// with its sleep, and only the edge (this isolate) still knows.
		expect((await read(sku, late, "/availability")).status).toBe(200);
		await evictDurableObject(roomObject(sku));
		// The page reads its ticket; the edge's word on the read rides with it.
		expect((await ticketOf(sku, late)).state).toBe("waiting");
		await writtenThenSleep(sku);
		await moveStart(sku, 0, 300);
		expect(secondsLeft(await ticketOf(sku, late))).toBeGreaterThan(UNREAD_ADMIT_SECONDS + 20);
	});

	it("a session that never read keeps the short admission (the control)", async () => {
		const sku = await drop(shards);
		const idle = await buyer();
		expect((await join(sku, idle)).status).toBe(201);
		expect((await ticketOf(sku, idle)).state).toBe("waiting");
		// As long as the others may wait for a write, then the object sleeps.
		await sleep(2 * READ_SINCE_FLUSH_MS);
		expect(await unreadRows(sku)).toBe(1);
		await evictDurableObject(roomObject(sku));
		await moveStart(sku, 0, 300);
		expect(secondsLeft(await ticketOf(sku, idle))).toBeLessThanOrEqual(UNREAD_ADMIT_SECONDS);
	});
});

describe("the unread share of the room", { timeout: 120_000 }, () => {
	it("a join refused for the unread share says to read the product; after a read the join is taken", async () => {
		const sku = await createRoom({
			totalStock: 4,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		await runInDurableObject(roomObject(sku), (_: InventoryObject, state) => {
			insertTicketRows(state.storage.sql, {
				count: MAX_UNREAD_TICKETS,
				ticketPrefix: "unread-",
				sessionPrefix: "unread-session-",
				seqOffset: 0,
				joinedAt: Date.now(),
				unread: true,
			});
			setNextSeq(state.storage.sql, MAX_UNREAD_TICKETS + 1);
		});
		await evictDurableObject(roomObject(sku));
		const late = await buyer();
		const refused = await join(sku, late);
		expect(refused.status).toBe(503);
		expect(refused.body.error?.code).toBe("unavailable");
		expect(refused.headers.get("retry-after")).toBe("30");
		expect(refused.body.error?.message).toContain("viewed the product");
		expect(refused.body.error?.message).not.toContain("is full");
		expect((await read(sku, late)).status).toBe(200);
		expect((await join(sku, late)).status).toBe(201);
	});
});
