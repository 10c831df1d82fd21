// The ticket rows a load reads (inventory/room-ticket-rows.ts): each ticket as written comes back
// field for field — strings, numbers, nulls, the address and the read — whichever columns a load
// selects and however it reads them (docs/decisions/151-loading-a-big-room.md).

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { QueueTicket } from "../../src/domain/waiting-room.ts";
import { readTickets, writeReadSince, writeTicket } from "../../src/inventory/room-ticket-rows.ts";
import { stubOf } from "./objects.ts";
import { createRoomProduct, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

function ticket(i: number, fields: Partial<QueueTicket>): QueueTicket {
	return {
		ticketId: `t-${crypto.randomUUID()}`,
		sessionId: `s-${crypto.randomUUID()}`,
		seq: i,
		joinedAtMs: 1_767_225_600_000 + i,
		state: "waiting",
		rank: null,
		admittedAtMs: null,
		admittedUntilMs: null,
		usedAtMs: null,
		clientKey: null,
		unread: false,
		...fields,
	};
}

describe("the room's ticket rows", () => {
	it("read back as written, every field", async () => {
		const { sku } = await createRoomProduct({
			totalStock: 4,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const written = [
			ticket(1, {}),
			ticket(2, { unread: true, clientKey: "k-1" }),
			ticket(3, {
				state: "admitted",
				rank: 0,
				admittedAtMs: 1_767_225_700_000,
				admittedUntilMs: 1_767_225_760_000,
				usedAtMs: 1_767_225_710_000,
				clientKey: "k-2",
			}),
			ticket(4, { state: "expired", rank: 7, admittedAtMs: 5, admittedUntilMs: 6, unread: true }),
			ticket(5, { state: "sold_out", rank: 2 ** 40 }),
			ticket(6, { unread: true }),
		];
		const read = await runInDurableObject(stubOf(sku), (_: unknown, state: DurableObjectState) => {
			const sql = state.storage.sql;
			for (const t of written) writeTicket(sql, t);
			// Ticket 6's session read since its join: its row says so.
			writeReadSince(sql, [written[5]?.ticketId as string]);
			return readTickets(sql);
		});
		const expected = written.map((t, i) => (i === 5 ? { ...t, unread: false } : t));
		const byId = (a: QueueTicket, b: QueueTicket) => a.ticketId.localeCompare(b.ticketId);
		expect(read.sort(byId)).toEqual(expected.sort(byId));
	});
});
