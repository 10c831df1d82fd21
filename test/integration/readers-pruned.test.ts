// A stored read goes with the holds and tickets it rides with
// (docs/decisions/102-stored-reads-on-shards-and-their-cost.md): when the alarm deletes a
// session's ended holds, or the room forgets its ended ticket, and nothing of the session is
// left in the object (no unit held or bought, no ticket), its `readers` row is deleted in the
// same transaction; the next hold of the session stores the read again. Time is moved by
// writing rows' times in storage: no test waits.

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_SESSION_TTL_SECONDS } from "../../src/domain/bounds.ts";
import { endedHoldKeptMs } from "../../src/domain/hold-retention.ts";
import type { Reservation, Ticket } from "../../src/shared/types.ts";
import { call, createProduct, DEBUG } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { setNextSeq } from "./room-rows.ts";
import { createRoomProduct } from "./room-support.ts";
import type { InventoryObject } from "./worker.ts";

const vars = { RATE_LIMIT_RESERVE_NEW: "1" };
/** wrangler.jsonc's SESSION_TTL_SECONDS, which the tests run with. */
const KEPT_MS = endedHoldKeptMs({ holdMarginMs: DEFAULT_SESSION_TTL_SECONDS * 1000 });

interface Buyer {
	token: string;
	sessionId: string;
	ip: string;
}

async function reader(sku: string): Promise<Buyer> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	const buyer = { ...res.body.data, ip: freshIp() };
	const read = await limited("GET", `/api/products/${sku}`, {
		ip: buyer.ip,
		token: buyer.token,
		vars,
	});
	expect(read.status).toBe(200);
	return buyer;
}

async function hold(buyer: Buyer, sku: string): Promise<Reservation> {
	const res = await limited<Reservation>("POST", "/api/reservations", {
		ip: buyer.ip,
		token: buyer.token,
		vars,
		body: { sku, quantity: 1 },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

async function cancel(buyer: Buyer, held: Reservation): Promise<void> {
	const res = await call("DELETE", `/api/reservations/${held.reservationId}`, {
		token: buyer.token,
	});
	expect(res.status).toBe(200);
}

const storedReads = (sku: string) =>
	runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
		state.storage.sql
			.exec<{ session_id: string }>("SELECT session_id FROM readers ORDER BY session_id")
			.toArray()
			.map((r) => r.session_id),
	);

describe("stored reads are pruned with their holds and tickets", { timeout: 60_000 }, () => {
	it("the alarm's deletion of a session's last ended hold deletes its read; a session with units left keeps it; the next hold stores it again", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1000, holdSeconds: 30 });
		const gone = await reader(sku);
		const stays = await reader(sku);
		await cancel(gone, await hold(gone, sku));
		await cancel(stays, await hold(stays, sku));
		await hold(stays, sku);
		expect(await storedReads(sku)).toEqual([gone.sessionId, stays.sessionId].sort());
		// The cancelled holds' window ended: the alarm deletes them.
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			state.storage.sql.exec(
				"UPDATE holds SET expires_at = ? WHERE status = 'CANCELLED'",
				Date.now() - KEPT_MS - 1,
			);
			return state.storage.setAlarm(Date.now());
		});
		await runDurableObjectAlarm(stubOf(sku));
		expect(
			await runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
				Number(
					state.storage.sql.exec("SELECT COUNT(*) AS n FROM holds WHERE status = 'CANCELLED'").one()
						.n,
				),
			),
		).toBe(0);
		expect(await storedReads(sku)).toEqual([stays.sessionId]);
		// The guard still knows the read: the session's next hold stores it again.
		await hold(gone, sku);
		expect(await storedReads(sku)).toEqual([gone.sessionId, stays.sessionId].sort());
	});

	it("a join that forgets ended tickets deletes the reads of their sessions", async () => {
		const product = await createRoomProduct({ totalStock: 100 }, { admitSeconds: 10 });
		const sku = product.sku;
		const first = await reader(sku);
		const joined = await limited<Ticket>("POST", `/api/products/${sku}/queue`, {
			ip: first.ip,
			token: first.token,
			vars,
		});
		expect(joined.status, JSON.stringify(joined.body)).toBe(201);
		// Three buyers whose turn came and went two hours ago, each with a stored read.
		const longAgo = Date.now() - 2 * 3_600_000;
		const old = ["old-a", "old-b", "old-c"].map((s) => `${s}-${crypto.randomUUID()}`);
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			for (const [i, sessionId] of old.entries()) {
				sql.exec(
					`INSERT INTO room_tickets
					(ticket_id, session_id, seq, joined_at, state, rank, admitted_at, admitted_until, used_at)
					VALUES (?, ?, ?, ?, 'expired', ?, ?, ?, NULL)`,
					`old-ticket-${i}-${crypto.randomUUID()}`,
					sessionId,
					i + 2,
					longAgo,
					i + 1,
					longAgo + 1000,
					longAgo + 11_000,
				);
				sql.exec("INSERT INTO readers (session_id) VALUES (?)", sessionId);
			}
			setNextSeq(sql, old.length + 2);
		});
		await evictDurableObject(stubOf(sku));
		expect(await storedReads(sku)).toEqual([first.sessionId, ...old].sort());
		// A newcomer's join forgets the ended tickets, and their reads go with them.
		const late = await reader(sku);
		const lateJoin = await limited<Ticket>("POST", `/api/products/${sku}/queue`, {
			ip: late.ip,
			token: late.token,
			vars,
		});
		expect(lateJoin.status, JSON.stringify(lateJoin.body)).toBe(201);
		expect(await storedReads(sku)).toEqual([first.sessionId, late.sessionId].sort());
	});
});
