// The start of a big waiting room commits one room row, not a row per ticket
// (docs/decisions/100-a-room-start-writes-one-row.md): the SKU's other requests do not wait on
// thousands of ticket rows at the drop's peak. After the object restarts, each ticket keeps the
// place the start gave it (its rank recomputed from the seed).

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { Ticket } from "../../src/shared/types.ts";
import { ADMIN, call, newSession, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { insertTicketRows, setNextSeq } from "./room-rows.ts";
import { createRoomProduct, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

const BUYERS = 40;
/** Pre-queue tickets written straight into the object's rows, behind the buyers' own joins. */
const EXTRA = 5_000;
const STOCK = 4;

const rankedRows = (sku: string) =>
	runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
		Number(
			state.storage.sql.exec("SELECT COUNT(*) AS n FROM room_tickets WHERE rank IS NOT NULL").one()
				.n,
		),
	);

const ticketRows = (sku: string, state: string) =>
	runInDurableObject(stubOf(sku), (_: InventoryObject, s) =>
		Number(
			s.storage.sql.exec("SELECT COUNT(*) AS n FROM room_tickets WHERE state = ?", state).one().n,
		),
	);

const ticketsOf = (sku: string, tokens: string[]) =>
	Promise.all(
		tokens.map(async (token) => {
			const res = await call<Ticket>("GET", `/api/products/${sku}/queue`, { token });
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			const t = res.body.data as Ticket;
			return { state: t.state, position: t.position };
		}),
	);

describe("the start of a big waiting room", { timeout: 120_000 }, () => {
	it("writes no ticket row but the admitted ones, and every place survives a restart", async () => {
		const product = await createRoomProduct({
			totalStock: STOCK,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const sku = product.sku;
		const tokens: string[] = [];
		for (let i = 0; i < BUYERS; i++) {
			const token = await newSession();
			const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token });
			expect(joined.status, JSON.stringify(joined.body)).toBe(201);
			tokens.push(token);
		}
		// More of the pre-queue, arrival numbers after the buyers' (the columns of a real row).
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			insertTicketRows(state.storage.sql, {
				count: EXTRA,
				ticketPrefix: "extra-",
				sessionPrefix: "extra-session-",
				seqOffset: BUYERS,
				joinedAt: Date.now(),
			});
			setNextSeq(state.storage.sql, BUYERS + EXTRA + 1);
		});
		await evictDurableObject(stubOf(sku));

		const started = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { startsAt: new Date().toISOString() },
		});
		expect(started.status, JSON.stringify(started.body)).toBe(200);
		expect((await stats(sku)).queue).toMatchObject({
			waiting: BUYERS + EXTRA - STOCK,
			admitted: STOCK,
		});
		// The start wrote the admitted tickets' rows, not the shuffled pre-queue's.
		expect(await rankedRows(sku)).toBe(STOCK);

		const before = await ticketsOf(sku, tokens);
		const positions = before.map((t) => t.position).filter((p) => p !== null);
		expect(new Set(positions).size).toBe(positions.length);
		await evictDurableObject(stubOf(sku));
		expect(await ticketsOf(sku, tokens)).toEqual(before);
		expect((await stats(sku)).queue).toMatchObject({
			waiting: BUYERS + EXTRA - STOCK,
			admitted: STOCK,
		});

		// The stock cut to nothing left: every waiting ticket turns sold_out, and after a restart too.
		const cut = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 0 },
		});
		expect(cut.status, JSON.stringify(cut.body)).toBe(200);
		const soldOut = { waiting: 0, admitted: STOCK, soldOutTickets: BUYERS + EXTRA - STOCK };
		expect((await stats(sku)).queue).toMatchObject(soldOut);
		expect(await ticketRows(sku, "waiting")).toBe(0);
		expect(await ticketRows(sku, "sold_out")).toBe(BUYERS + EXTRA - STOCK);
		await evictDurableObject(stubOf(sku));
		expect((await stats(sku)).queue).toMatchObject(soldOut);
		const last = await ticketsOf(sku, tokens);
		expect(last.map((t) => t.state).sort()).toEqual(
			before.map((t) => (t.state === "waiting" ? "sold_out" : t.state)).sort(),
		);
	});
});
