// A room's unread tickets as the tests of a read (or an attempt) after an unread join see them
// (room-read-after-join.test.ts, room-attempt-after-join.test.ts): the rows that still say
// unread, and a pre-queue drop in one object or split across shards.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { stubOf } from "./objects.ts";
import { createRoom, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

/** The room's object: the SKU's own, a split SKU's coordinator. */
export const roomObject = stubOf;

export const unreadRows = (sku: string) =>
	runInDurableObject(roomObject(sku), (_: InventoryObject, state) =>
		Number(
			state.storage.sql.exec("SELECT COUNT(*) AS n FROM room_tickets WHERE unread = 1").one().n,
		),
	);

/**
 * Waits (bounded) until no ticket row of the room says unread, as the object writes it within a
 * second of the read; then the object sleeps. Without the write the wait ends at its bound and
 * the admission's length says what was lost.
 */
export async function writtenThenSleep(sku: string): Promise<void> {
	for (let i = 0; i < 40 && (await unreadRows(sku)) > 0; i++) await sleep(250);
	await evictDurableObject(roomObject(sku));
}

/** A drop of 4 units, one per buyer, in a pre-queue for the hour; `admitSeconds` 60. */
export const drop = (shards: number) =>
	createRoom(
		{
			totalStock: 4,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
			shards,
		},
		{ admitSeconds: 60 },
	);
