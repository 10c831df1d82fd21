// A buyer's read of the product survives the SKU object's sleep (inventory/readers.ts,
// docs/decisions/095-a-read-that-survives-the-sleep.md): workerd evicts an idle object and
// its reserve guard starts empty, so the read must come back from the edge's memory (sent
// with the attempt) or from the row stored with the session's hold or ticket — and the
// fairness figures must read the same fact as the tier. Rate limits on for the buyer's
// requests (ratelimit-support.ts), with the new tier cut to 1 attempt a minute: a second
// attempt passes only if the session counts as a reader.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionSummary } from "../../src/domain/fairness.ts";
import type { ReserveLimits } from "../../src/ratelimit/config.ts";
import type { Ticket } from "../../src/shared/types.ts";
import { newId } from "../../src/worker/ids.ts";
import { ADMIN, call, createProduct, DEBUG } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { createRoomProduct } from "./room-support.ts";
import type { InventoryObject } from "./worker.ts";

const vars = { RATE_LIMIT_RESERVE_NEW: "1" };

interface Buyer {
	token: string;
	sessionId: string;
	ip: string;
}

async function newBuyer(): Promise<Buyer> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return { ...res.body.data, ip: freshIp() };
}

const readProduct = async (buyer: Buyer, sku: string) =>
	expect(
		(await limited("GET", `/api/products/${sku}`, { ip: buyer.ip, token: buyer.token, vars }))
			.status,
	).toBe(200);

const reserve = (buyer: Buyer, sku: string) =>
	limited<never>("POST", "/api/reservations", {
		ip: buyer.ip,
		token: buyer.token,
		vars,
		body: { sku, quantity: 1 },
	});

/** What a stats read's fairness figures would say of the session, from the object as it is now. */
const summaryOf = async (sku: string, sessionId: string) =>
	runInDurableObject(stubOf(sku), (object: InventoryObject) =>
		object.fairnessSessions().find((s: SessionSummary) => s.sessionId === sessionId),
	);

const readerRows = (sku: string) =>
	runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
		Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM readers").one().n),
	);

describe("a buyer's read after the SKU object sleeps", { timeout: 60_000 }, () => {
	it("a read of the product before the sleep keeps the session out of the new tier, and the figures call it clear after another sleep", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1000 });
		const buyer = await newBuyer();
		await readProduct(buyer, sku);
		// The buyer waits (the countdown to the start, a coffee): the object is evicted.
		await evictDurableObject(stubOf(sku));
		const first = await reserve(buyer, sku);
		expect(first.status, JSON.stringify(first.body)).toBe(201);
		// The new tier allows one attempt a minute: a second one passes only for a reader.
		const second = await reserve(buyer, sku);
		expect(second.status, JSON.stringify(second.body)).toBe(201);
		// Idle again while holding: the figures still know the read, from the hold's commit.
		await evictDurableObject(stubOf(sku));
		expect(await summaryOf(sku, buyer.sessionId)).toMatchObject({ units: 2, read: true });
		expect(await readerRows(sku)).toBe(1);
	});

	it("an availability read the object answers (no fresh edge copy) is remembered by the edge too", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1000 });
		const buyer = await newBuyer();
		const read = await limited("GET", `/api/products/${sku}/availability`, {
			ip: buyer.ip,
			token: buyer.token,
			vars,
		});
		expect(read.status).toBe(200);
		// The object's memory of the read goes with it; the edge's stays.
		await evictDurableObject(stubOf(sku));
		expect((await reserve(buyer, sku)).status).toBe(201);
		const second = await reserve(buyer, sku);
		expect(second.status, JSON.stringify(second.body)).toBe(201);
	});

	it("an attempt that reaches the object without the edge's word is judged by the read stored with the session's hold", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1000 });
		const buyer = await newBuyer();
		await readProduct(buyer, sku);
		expect((await reserve(buyer, sku)).status).toBe(201);
		await evictDurableObject(stubOf(sku));
		// As from an isolate that never saw the read (another Cloudflare isolate, a restarted one).
		const limits: ReserveLimits = {
			windowMs: 60_000,
			verified: 200,
			new: 1,
			suspected: 1,
			flaggedForMs: 600_000,
			windowAtArrival: false,
		};
		const attempt = () => ({
			id: newId("rsv", sku),
			sessionId: buyer.sessionId,
			quantity: 1,
			idempotencyKey: null,
			arrivedAtMs: Date.now(),
			priorRead: false,
		});
		const results = await stubOf(sku).reserve([attempt(), attempt()], limits);
		expect(results.map((r) => r.ok)).toEqual([true, true]);
	});

	it("a ticket holder's read is kept with the ticket", async () => {
		const product = await createRoomProduct({ totalStock: 1 }, {});
		const sku = product.sku;
		const [ahead, buyer] = [await newBuyer(), await newBuyer()];
		for (const b of [ahead, buyer]) {
			await readProduct(b, sku);
			const joined = await limited<Ticket>("POST", `/api/products/${sku}/queue`, {
				ip: b.ip,
				token: b.token,
				vars,
			});
			expect(joined.status, JSON.stringify(joined.body)).toBe(201);
		}
		await evictDurableObject(stubOf(sku));
		expect(await summaryOf(sku, buyer.sessionId)).toMatchObject({ units: 0, read: true });
		expect(await summaryOf(sku, ahead.sessionId)).toMatchObject({ read: true });
	});

	it("a reset forgets the stored reads of sessions it leaves nothing of, and the next hold stores the read again", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1000 });
		const buyer = await newBuyer();
		await readProduct(buyer, sku);
		expect((await reserve(buyer, sku)).status).toBe(201);
		expect(await readerRows(sku)).toBe(1);
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		expect(await readerRows(sku)).toBe(0);
		expect((await reserve(buyer, sku)).status).toBe(201);
		expect(await readerRows(sku)).toBe(1);
		await evictDurableObject(stubOf(sku));
		expect(await summaryOf(sku, buyer.sessionId)).toMatchObject({ units: 1, read: true });
	});
});
