// The operator's read of a drop's holds a page at a time (docs/api.md, "Reading a drop's holds";
// docs/decisions/108-the-drop-at-its-default-size.md): every hold once, in pages, each as its
// owner reads it (lazy expiry applied), a paid one with its order; a split SKU's holds from every
// shard; bad cursors and sizes refused naming the parameter, nothing changed.
import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import type { IssuedSession } from "../../src/shared/sessions.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Order, Reservation } from "../../src/shared/types.ts";
import type { HeldPage } from "../../src/worker/routes/admin-holds.ts";
import { pay, reserve } from "./checkout-support.ts";
import { ADMIN, call, createProduct, DEBUG, newSession, stats } from "./helpers.ts";

async function page(sku: string, query: string): Promise<HeldPage> {
	const res = await call<HeldPage>("GET", `/api/admin/products/${sku}/holds${query}`, {
		token: ADMIN,
	});
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as HeldPage;
}

/** Every page of `limit`, checking the cursor contract on the way. */
async function allHolds(sku: string, limit: number): Promise<HeldPage["holds"]> {
	const out: HeldPage["holds"] = [];
	let after: string | null = null;
	for (let pages = 0; pages < 100; pages++) {
		const p: HeldPage = await page(
			sku,
			`?limit=${limit}${after === null ? "" : `&after=${after}`}`,
		);
		expect(p.holds.length).toBeLessThanOrEqual(limit);
		out.push(...p.holds);
		// A page asked for with a cursor has a hold: no empty last page.
		if (after !== null) expect(p.holds.length).toBeGreaterThan(0);
		if (p.next === null) return out;
		// A page with a next one is full, and the next one has a hold: no empty last page.
		expect(p.holds.length).toBe(limit);
		after = p.next;
	}
	throw new Error("the holds cursor never ended");
}

describe("GET /api/admin/products/:sku/holds", { timeout: 60_000 }, () => {
	it("pages every hold once, as its owner reads it, a paid one with its order", async () => {
		const sku = await createProduct({ totalStock: 10, holdSeconds: 5, perUserLimit: 5 });
		const [a, b, c] = await Promise.all([newSession(), newSession(), newSession()]);
		const paidId = await reserve(a, sku, 2);
		const paid = await pay(a, paidId, "pm_card_visa");
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		const cancelledId = await reserve(b, sku, 1);
		expect((await call("DELETE", `/api/reservations/${cancelledId}`, { token: b })).status).toBe(
			200,
		);
		const expiringId = await reserve(c, sku, 1);
		// Past its expiresAt: the page settles it as the owner's read would (lazy expiry).
		await sleep(5_300);

		for (const limit of [1, 2, 3, 1000]) {
			const holds = await allHolds(sku, limit);
			expect(holds.map((h) => h.reservationId)).toEqual([paidId, cancelledId, expiringId]);
			expect(holds.map((h) => h.status)).toEqual(["PAID", "CANCELLED", "EXPIRED"]);
		}
		const holds = await allHolds(sku, 100);
		for (const [token, hold] of [
			[a, holds[0]],
			[b, holds[1]],
			[c, holds[2]],
		] as const) {
			const own = await call<Reservation>("GET", `/api/reservations/${hold?.reservationId}`, {
				token,
			});
			const { order: _order, ...reservation } = hold ?? {};
			expect(reservation).toEqual(own.body.data);
		}
		const order = holds[0]?.order as Order;
		expect(order).toEqual(paid.body.data);
		const ownOrder = await call<Order>("GET", `/api/orders/${order.orderId}`, { token: a });
		expect(order).toEqual(ownOrder.body.data);
		expect(holds[1]?.order).toBeNull();
		expect(holds[2]?.order).toBeNull();
	});

	it("reads a split SKU's holds from every shard, a page spanning shards", async () => {
		const sku = await createProduct({ totalStock: 40, perUserLimit: 5, shards: 3 });
		const tokens = await Promise.all(Array.from({ length: 12 }, () => newSession()));
		const ids = await Promise.all(tokens.map((t) => reserve(t, sku, 1)));
		// Every size from one hold a page to all of them in one: pages end inside shards and at
		// their ends, and every page with a next one is full.
		for (const limit of [...Array.from({ length: 13 }, (_, i) => i + 1), 1000]) {
			const holds = await allHolds(sku, limit);
			expect(holds.map((h) => h.reservationId).sort()).toEqual([...ids].sort());
			expect(new Set(holds.map((h) => h.status))).toEqual(new Set(["RESERVED"]));
		}
		// Every shard had some (12 sessions over 3 shards): the cursor moved between them.
		const first = await page(sku, "?limit=1");
		expect(first.next).toMatch(/^\d-\d+$/);
	});

	it("ends on the last hold when the shards after it hold nothing", async () => {
		const sku = await createProduct({ totalStock: 40, perUserLimit: 5, shards: 3 });
		// Two sessions of shard 0 and two of shard 1 (the split's own rule), none of shard 2.
		const wanted = new Map([
			[0, 2],
			[1, 2],
		]);
		const tokens: string[] = [];
		for (let tries = 0; tokens.length < 4 && tries < 200; tries++) {
			const res = await call<IssuedSession>("POST", "/api/sessions", {
				body: { turnstileToken: DEBUG },
			});
			const issued = res.body.data as IssuedSession;
			const shard = shardOf(issued.sessionId, 3);
			const left = wanted.get(shard) ?? 0;
			if (left === 0) continue;
			wanted.set(shard, left - 1);
			tokens.push(issued.token);
		}
		expect(tokens).toHaveLength(4);
		const ids = [];
		for (const token of tokens) ids.push(await reserve(token, sku, 1));
		// Pages of 2 end exactly at shard 0's and shard 1's last holds.
		const first = await page(sku, "?limit=2");
		expect(first.holds).toHaveLength(2);
		const second = await page(sku, `?limit=2&after=${first.next}`);
		expect(second.holds).toHaveLength(2);
		expect(second.next).toBeNull();
		expect([...first.holds, ...second.holds].map((h) => h.reservationId).sort()).toEqual(
			ids.sort(),
		);
	});

	it("refuses bad cursors and sizes naming them, and unknown SKUs; changes nothing", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		await reserve(token, sku, 1);
		const before = await stats(sku);
		for (const [query, field] of [
			["?after=abc", "after"],
			["?after=5", "after"],
			["?after=1-0", "after"],
			["?after=-1-0", "after"],
			["?limit=0", "limit"],
			["?limit=1001", "limit"],
			["?limit=1e3", "limit"],
		] as const) {
			const res = await call("GET", `/api/admin/products/${sku}/holds${query}`, { token: ADMIN });
			expect(res.status, query).toBe(400);
			expect(JSON.stringify(res.body), query).toContain(field);
		}
		const unknown = await call("GET", "/api/admin/products/NO-SUCH-SKU-x/holds", { token: ADMIN });
		expect(unknown.status).toBe(404);
		const buyer = await call("GET", `/api/admin/products/${sku}/holds`, { token });
		expect(buyer.status).toBe(403);
		const after = await stats(sku);
		expect({ ...after, asOf: null }).toEqual({ ...before, asOf: null });
	});
});
