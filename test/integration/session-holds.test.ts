// GET /api/products/:sku/holds/mine (docs/api.md, "The session's holds";
// docs/decisions/122-a-buyers-read-of-the-sessions-holds.md): the session's holds that still
// stand (RESERVED, CHECKOUT_PENDING), each as its owner's read shows it, and its count for the
// limit; expired, released and paid holds not listed (a paid one counted), other sessions' never;
// on a split SKU from the session's own shard, whichever it is, also for an isolate that did not
// know the SKU is split; the refusals (401, 400, 404), and a read that changes nothing.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import type { Product, Reservation, SessionHolds } from "../../src/shared/types.ts";
import { pay, reservation, reserve, withPayments } from "./checkout-support.ts";
import { costOf } from "./cost-support.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call, createProduct, newSession, patch, stats } from "./helpers.ts";
import { buyersOnEveryShard, createSharded } from "./shards-support.ts";
import { requestWith } from "./slow-d1-request.ts";
import type { InventoryObject } from "./worker.ts";

const mine = (token: string | undefined, sku: string) =>
	call<SessionHolds>("GET", `/api/products/${sku}/holds/mine`, token ? { token } : {});

/**
 * The same read through the app with no cost-ledger binding, for a test that counts the route's
 * own object calls: the ledger's flush of the session's spend, due LEDGER_FLUSH_MS after it
 * (src/worker/cost/ledger.ts), would be carried by whichever request arms it, so it is left out
 * of the count (without a binding the ledger calls nothing and carries nothing).
 */
const mineWithoutLedger = (token: string, sku: string) =>
	requestWith<SessionHolds>({ LEDGER_GROUP: undefined }, "GET", `/api/products/${sku}/holds/mine`, {
		token,
	});

async function holdsOf(token: string, sku: string): Promise<SessionHolds> {
	const res = await mine(token, sku);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as SessionHolds;
}

const ids = (h: SessionHolds) => h.holds.map((r) => r.reservationId);

/**
 * The last hold of each session in `tokens`: 2 s, left to expire. It comes after all the session's
 * other reserves, so the cool-down its end starts (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md)
 * refuses none of them however slow the machine.
 */
async function expiringLast(sku: string, tokens: string[]): Promise<string[]> {
	expect((await patch(sku, { holdSeconds: 2 })).status).toBe(200);
	return Promise.all(tokens.map((token) => reserve(token, sku, 1)));
}

/**
 * Each listed hold is what its owner's own read of it says (its countdown a second on at most).
 * Called on the test's held clock (./held-clock.ts), so the reads between cannot age the countdown.
 */
async function asOwnerReads(token: string, listed: SessionHolds): Promise<void> {
	for (const hold of listed.holds) {
		const own = (await reservation(token, hold.reservationId)) as Reservation;
		expect({ ...hold, expiresInSeconds: 0 }).toEqual({ ...own, expiresInSeconds: 0 });
		expect(hold.expiresInSeconds - own.expiresInSeconds).toBeGreaterThanOrEqual(0);
		expect(hold.expiresInSeconds - own.expiresInSeconds).toBeLessThanOrEqual(1);
	}
}

describe("GET /api/products/:sku/holds/mine", { timeout: 60_000 }, () => {
	it("lists the session's standing holds only: not expired, released or paid ones, nor another session's", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 6, holdSeconds: 600 });
		const [token, other] = await Promise.all([newSession(), newSession()]);
		expect(await holdsOf(token, sku)).toEqual({
			holds: [],
			usedUnits: 0,
			perUserLimit: 6,
			coolDownUntil: null,
		});

		// Holds of 10 minutes, then the last one of 2 s, left to expire (expiringLast).
		const standing = await reserve(token, sku, 2);
		const released = await reserve(token, sku, 1);
		expect((await call("DELETE", `/api/reservations/${released}`, { token })).status).toBe(200);
		const paid = await reserve(token, sku, 1);
		expect((await pay(token, paid, "pm_card_visa")).status).toBe(200);
		await reserve(other, sku, 1);
		const [expiring] = await expiringLast(sku, [token]);

		await vi.waitFor(
			async () => expect((await reservation(token, expiring as string))?.status).toBe("EXPIRED"),
			{
				timeout: 10_000,
				interval: 100,
			},
		);
		await withHeldClock(async () => {
			const listed = await holdsOf(token, sku);
			expect(ids(listed)).toEqual([standing]);
			expect(listed.holds[0]).toMatchObject({ status: "RESERVED", quantity: 2 });
			// The count the limit reads: the standing hold and the order.
			expect(listed).toMatchObject({ usedUnits: 3, perUserLimit: 6 });
			await asOwnerReads(token, listed);
		});
		expect(ids(await holdsOf(other, sku))).toHaveLength(1);
	});

	it("lists a hold in checkout (CHECKOUT_PENDING), and drops it once paid", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 3 });
		const token = await newSession();
		const id = await reserve(token, sku, 1);
		await withPayments(sku, (payments) => {
			payments.latencyMs = 2_000;
		});
		const paying = pay(token, id, "pm_card_visa");
		await vi.waitFor(
			async () => expect((await reservation(token, id))?.status).toBe("CHECKOUT_PENDING"),
			{ timeout: 15_000, interval: 20 },
		);
		await withHeldClock(async () => {
			const listed = await holdsOf(token, sku);
			expect(listed.holds.map((h) => [h.reservationId, h.status])).toEqual([
				[id, "CHECKOUT_PENDING"],
			]);
			await asOwnerReads(token, listed);
		});
		expect((await paying).status).toBe(200);
		expect(await holdsOf(token, sku)).toEqual({
			holds: [],
			usedUnits: 1,
			perUserLimit: 3,
			coolDownUntil: null,
		});
	});

	it("lists what a reset cleared no more, and the holds taken after it", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 3 });
		const token = await newSession();
		await reserve(token, sku, 2);
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		expect(await holdsOf(token, sku)).toEqual({
			holds: [],
			usedUnits: 0,
			perUserLimit: 3,
			coolDownUntil: null,
		});
		const after = await reserve(token, sku, 1);
		expect(ids(await holdsOf(token, sku))).toEqual([after]);
	});

	it("answers from the object's restart the same, rebuilt from the stored holds", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 3 });
		const token = await newSession();
		const kept = await reserve(token, sku, 1);
		const paid = await reserve(token, sku, 1);
		expect((await pay(token, paid, "pm_card_visa")).status).toBe(200);
		// On the test's held clock (./held-clock.ts): the countdowns of both reads are of one moment.
		const [before, after] = await withHeldClock(async () => {
			const before = await holdsOf(token, sku);
			// The model rebuilt from storage, as after a restart (inventory/sku-object-parts.ts load).
			await runInDurableObject(
				env.INVENTORY.get(env.INVENTORY.idFromName(sku)),
				(o: InventoryObject) => {
					(o as unknown as { reload(): void }).reload();
				},
			);
			return [before, await holdsOf(token, sku)];
		});
		expect(after).toEqual(before);
		expect(ids(after)).toEqual([kept]);
		expect(after.usedUnits).toBe(2);
	});

	it("answers a split SKU's session from its own shard, whichever it is, its holds only", async () => {
		const shards = 3;
		const sku = await createSharded(30, shards, 4, 600);
		const [b0, b1, b2, c0, c1, c2] = await buyersOnEveryShard(shards, 2);
		const buyers = [b0, b1, b2];
		const others = [c0, c1, c2];
		if (buyers.some((b) => b === undefined) || others.some((b) => b === undefined))
			throw new Error("no buyer per shard");
		// This isolate has not reserved on the SKU yet: the first read asks shard 0, which names
		// the session's shard, and the read is answered there.
		for (const b of buyers)
			expect(await holdsOf(b?.token as string, sku)).toEqual({
				holds: [],
				usedUnits: 0,
				perUserLimit: 4,
				coolDownUntil: null,
			});

		const standing: string[] = [];
		const paidIds: string[] = [];
		for (const b of buyers) {
			const token = b?.token as string;
			standing.push(await reserve(token, sku, 1));
			const released = await reserve(token, sku, 1);
			expect((await call("DELETE", `/api/reservations/${released}`, { token })).status).toBe(200);
			const paid = await reserve(token, sku, 1);
			expect((await pay(token, paid, "pm_card_visa")).status).toBe(200);
			paidIds.push(paid);
		}
		for (const c of others) await reserve(c?.token as string, sku, 1);
		const expiring = await expiringLast(
			sku,
			buyers.map((b) => b?.token as string),
		);
		await vi.waitFor(
			async () => {
				for (const [i, b] of buyers.entries())
					expect((await reservation(b?.token as string, expiring[i] as string))?.status).toBe(
						"EXPIRED",
					);
			},
			{ timeout: 10_000, interval: 100 },
		);

		for (const [i, b] of buyers.entries()) {
			const listed = await withHeldClock(async () => {
				const listed = await holdsOf(b?.token as string, sku);
				expect(ids(listed)).toEqual([standing[i]]);
				expect(listed).toMatchObject({ usedUnits: 2, perUserLimit: 4 });
				await asOwnerReads(b?.token as string, listed);
				return listed;
			});
			// The hold's id names the shard that answered: the session's own.
			const id = listed.holds[0]?.reservationId ?? "";
			expect(id.endsWith(i === 0 ? `~${sku}` : `~${sku}~${i}`), id).toBe(true);
		}
	});

	it("asks the session's own shard at once after the page's product read named the shard count", async () => {
		const shards = 3;
		const sku = await createSharded(30, shards, 4);
		const [, b1, b2] = await buyersOnEveryShard(shards, 1);
		// A storefront page reads the product before it reads the session's holds (decision 131):
		// the product names the shard count, and this isolate keeps it
		// (docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md, section 3).
		const product = await call<Product>("GET", `/api/products/${sku}`, {
			token: b1?.token as string,
		});
		expect(product.body.data?.shards).toBe(shards);
		for (const b of [b1, b2]) {
			const res = await mineWithoutLedger(b?.token as string, sku);
			expect(res.body.data).toMatchObject({ holds: [], usedUnits: 0 });
			// One object call, the session's own shard: none through shard 0 first.
			expect(costOf(res).usage.doRequests).toBe(1);
		}
	});

	it("refuses, from another shard's object, a session it does not decide (nothing read there)", async () => {
		const shards = 2;
		const sku = await createSharded(10, shards, 2);
		const [, b1] = await buyersOnEveryShard(shards, 1);
		const id = b1?.sessionId as string;
		const coordinator = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
		expect(await coordinator.sessionHolds(id)).toEqual({ ok: false, code: "misrouted", shards });
		const own = env.INVENTORY.get(env.INVENTORY.idFromName(shardName(sku, 1)));
		expect(await own.sessionHolds(id)).toMatchObject({ ok: true, holds: [], usedUnits: 0 });
	});

	it("refuses without a session (401), a path segment that is no SKU (400), an unknown SKU (404); changes nothing", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 2 });
		const token = await newSession();
		await reserve(token, sku, 1);
		const before = await stats(sku);

		const anonymous = await mine(undefined, sku);
		expect(anonymous.status).toBe(401);
		expect(anonymous.body.error?.code).toBe("unauthorized");
		const wrong = await mine("not-a-session-token", sku);
		expect(wrong.status).toBe(401);

		for (const bad of ["a%2Ab", "x".repeat(65), "%E2%9C%93"]) {
			const res = await mine(token, bad);
			expect(res.status, bad).toBe(400);
			expect(res.body.error).toMatchObject({ code: "invalid_request" });
			expect(res.body.error?.message).toMatch(/^sku: /);
		}
		const unknown = await mine(token, `NO-${crypto.randomUUID().slice(0, 8)}`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error?.code).toBe("unknown_sku");

		const after = await stats(sku);
		expect({ ...after, asOf: "" }).toEqual({ ...before, asOf: "" });
	});
});
