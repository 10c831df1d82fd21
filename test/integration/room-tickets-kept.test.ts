// A waiting room after a long drop (docs/decisions/090-room-tickets-and-ends-while-down.md):
// MAX_TICKETS tickets whose turns came and went, rebuilt from the object's rows after a restart,
// do not lock a newcomer out (the room's bound counts the tickets that take a place), and a join
// forgets a bounded number of the ended ones from the object's SQLite.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_FORGOTTEN_PER_TURN } from "../../src/domain/waiting-room-kept.ts";
import { MAX_TICKETS } from "../../src/domain/waiting-room-records.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { Reservation, Ticket } from "../../src/shared/types.ts";
import { call, newSession, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { insertTicketRows, setNextSeq } from "./room-rows.ts";
import { createRoomProduct } from "./room-support.ts";

const ticketRows = (sku: string) =>
	runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
		Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM room_tickets").one().n),
	);

describe("a waiting room after a long drop", { timeout: 120_000 }, () => {
	it("MAX_TICKETS ended tickets (after a restart) leave the room open to a newcomer, and a join forgets a bounded number of them", async () => {
		const product = await createRoomProduct({ totalStock: 100 }, { admitSeconds: 10 });
		const sku = product.sku;
		const first = await newSession();
		expect(
			(await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: first })).status,
		).toBe(201);

		// The shape of MAX_TICKETS buyers whose turn came and went two hours ago (the columns of a
		// real row; seq and rank after the first ticket's), then the object restarts and reloads them.
		const longAgo = Date.now() - 2 * 3_600_000;
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			insertTicketRows(state.storage.sql, {
				count: MAX_TICKETS,
				ticketPrefix: "old-",
				sessionPrefix: "old-session-",
				seqOffset: 1,
				joinedAt: longAgo,
				ended: { rankOffset: 0, admittedAt: longAgo + 1000, admittedUntil: longAgo + 11_000 },
			});
			setNextSeq(state.storage.sql, MAX_TICKETS + 2);
		});
		await evictDurableObject(stubOf(sku));
		expect(await ticketRows(sku)).toBe(MAX_TICKETS + 1);

		// A newcomer joins and reserves: the queue is empty and stock is left.
		const late = await newSession();
		const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: late });
		expect(joined.status, JSON.stringify(joined.body)).toBe(201);
		expect(joined.body.data?.state).toBe("admitted");
		const held = await call<Reservation>("POST", "/api/reservations", {
			token: late,
			body: { sku },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		expect((await stats(sku)).queue).toMatchObject({ waiting: 0 });

		// The join forgot the oldest ended tickets, a bounded number in its turn.
		expect(await ticketRows(sku)).toBe(MAX_TICKETS + 2 - MAX_FORGOTTEN_PER_TURN);
	});
});
