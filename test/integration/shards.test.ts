// One hot SKU split across escrow shards (docs/decisions/020-escrow-shards.md,
// docs/api.md "Shards"), through the real Worker inside workerd (the big crowd on
// 8 shards is shards-crowd.test.ts):
// - a skewed crowd (most buyers hash to two shards) still takes every unit: none
//   stays stranded in an idle shard's allotment;
// - cancel, checkout, reset and totalStock changes on a split SKU.

import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { EXHAUSTED_MEMO_MS, shardOf } from "../../src/domain/escrow.ts";
import { replayShard } from "../../src/domain/replay.ts";
import type {
	AuditEvent,
	Availability,
	Order,
	Product,
	Reservation,
} from "../../src/shared/types.ts";
import { freshSnapshot } from "../../src/worker/edge-snapshot.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call, createProduct, stats, uniqueSku } from "./helpers.ts";
import { type Buyer, buyers, checkEscrow, createSharded, reserve } from "./shards-support.ts";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;

describe("shards at create", () => {
	it("refuses a shard count outside 1..64 with a 400 that names it, and creates nothing", async () => {
		for (const shards of [0, 65, 2.5, "4"]) {
			const sku = uniqueSku("SH");
			const res = await call("POST", "/api/admin/products", {
				token: ADMIN,
				body: { sku, name: "x", priceCents: 1, currency: "USD", totalStock: 10, shards },
			});
			expect(res.status).toBe(400);
			expect(res.body.error?.message).toContain("shards");
			const after = await call("GET", `/api/products/${sku}`);
			expect(after.status).toBe(404);
		}
	});

	it("a retried create answers the same split product; another shard count is 409", async () => {
		const sku = uniqueSku("SH");
		const body = { sku, name: "x", priceCents: 1, currency: "USD", totalStock: 10, shards: 4 };
		const first = await call<Product>("POST", "/api/admin/products", { token: ADMIN, body });
		const again = await call<Product>("POST", "/api/admin/products", { token: ADMIN, body });
		expect([first.status, again.status]).toEqual([201, 201]);
		expect(again.body.data?.totalStock).toBe(10);
		expect(again.body.data?.shards).toBe(4);
		const other = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...body, shards: 2 },
		});
		expect(other.status).toBe(409);
		const one = await createProduct({ totalStock: 5 });
		const plain = await call<Product>("GET", `/api/products/${one}`);
		expect(plain.body.data?.shards).toBe(1);
	});
});

describe("a SKU split across 8 shards", () => {
	it("a crowd hashing mostly to two shards still takes every unit: none stranded", async () => {
		const UNITS = 200;
		const SHARDS = 8;
		const sku = await createSharded(UNITS, SHARDS, 1);
		// 360 buyers on shards 0 and 1, 20 spread over the other six: demand 380 > 200.
		// Session ids are random: draw sessions until enough hash to the two hot shards
		// (a quarter of them do on average; MAX_DRAWN bounds the setup).
		const MAX_DRAWN = 4_000;
		const pool: Buyer[] = [];
		const isHot = (b: Buyer) => shardOf(b.sessionId, SHARDS) <= 1;
		while (pool.filter(isHot).length < 360 && pool.length < MAX_DRAWN)
			pool.push(...(await buyers(200)));
		const hot = pool.filter(isHot).slice(0, 360);
		const cold = pool.filter((b) => !isHot(b)).slice(0, 20);
		expect(hot).toHaveLength(360);
		const crowd = [...hot, ...cold];
		const got = new Set<string>();
		// Every buyer keeps trying (unkeyed) until it holds a unit or is told sold_out
		// three times; the drop must end with every unit held.
		await Promise.all(
			crowd.map(async (buyer) => {
				for (let tries = 0; tries < 3 && !got.has(buyer.sessionId); tries++) {
					const res = await reserve(buyer, sku);
					if (res.status === 201) got.add(buyer.sessionId);
					else expect(res.body.error?.code).toBe("sold_out");
				}
			}),
		);
		expect(got.size).toBe(UNITS);
		const s = await stats(sku);
		checkEscrow(s);
		expect(s.reserved).toBe(UNITS);
		expect(s.available).toBe(0);
		// Units started in every shard; the hot shards ended up holding most of them.
		const byShard = s.shards ?? [];
		expect((byShard[0]?.reserved ?? 0) + (byShard[1]?.reserved ?? 0)).toBeGreaterThan(UNITS / 2);
	}, 240_000);

	it("cancel, checkout, reset and totalStock work on a split SKU", async () => {
		const sku = await createSharded(40, 4, 2);
		const crowd = await buyers(40);
		const byShard = new Map<number, Buyer>();
		for (const b of crowd) byShard.set(shardOf(b.sessionId, 4), b);
		expect(byShard.size).toBe(4);
		const reservations: Reservation[] = [];
		for (const [shard, buyer] of byShard) {
			const res = await reserve(buyer, sku, `k-${shard}`);
			expect(res.status).toBe(201);
			const r = res.body.data as Reservation;
			// The id names its shard (shard 0 is the SKU's own object: today's form).
			expect(r.reservationId.endsWith(shard === 0 ? `~${sku}` : `~${sku}~${shard}`)).toBe(true);
			expect(r.sku).toBe(sku);
			const read = await call<Reservation>("GET", `/api/reservations/${r.reservationId}`, {
				token: buyer.token,
			});
			expect(read.body.data?.reservationId).toBe(r.reservationId);
			reservations.push(r);
		}
		// Cancel one, pay another.
		const [first, second] = [...byShard.values()] as [Buyer, Buyer];
		const cancelled = await call<Reservation>(
			"DELETE",
			`/api/reservations/${reservations[0]?.reservationId}`,
			{ token: first.token },
		);
		expect(cancelled.body.data?.status).toBe("CANCELLED");
		const paid = await call<Order>("POST", "/api/checkout", {
			token: second.token,
			body: { reservationId: reservations[1]?.reservationId, paymentMethod: "pm_card_visa" },
			headers: { "idempotency-key": "pay-1" },
		});
		expect(paid.status).toBe(200);
		const order = await call<Order>("GET", `/api/orders/${paid.body.data?.orderId}`, {
			token: second.token,
		});
		expect(order.status).toBe(200);
		let s = await stats(sku);
		checkEscrow(s);
		expect([s.reserved, s.sold, s.available]).toEqual([2, 1, 37]);

		// Raising adds to the pool; lowering takes back unsold allotments; below held+sold is 409.
		const up = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 50 },
		});
		expect(up.body.data?.totalStock).toBe(50);
		s = await stats(sku);
		checkEscrow(s);
		expect(s.available).toBe(47);
		const down = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 3 },
		});
		expect(down.status).toBe(200);
		s = await stats(sku);
		checkEscrow(s);
		expect([s.total, s.available]).toEqual([3, 0]);
		const tooLow = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 2 },
		});
		expect(tooLow.status).toBe(409);
		s = await stats(sku);
		checkEscrow(s);
		expect(s.total).toBe(3);

		// Reset: holds go, the paid order stays.
		const reset = await call<Product>("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		s = await stats(sku);
		checkEscrow(s);
		expect([s.reserved, s.sold, s.available]).toEqual([0, 1, 2]);

		// The trail merges the shards; each shard's events replay to its allotment and counters
		// (its allotment from the escrow's events: the SKU's own product events say the SKU's total).
		const events: AuditEvent[] = [];
		let after = "0";
		for (let page = 0; page < 20; page++) {
			const res = await call<{ events: AuditEvent[]; next: string | null }>(
				"GET",
				`/api/admin/products/${sku}/events?limit=10&after=${after}`,
				{ token: ADMIN },
			);
			expect(res.status).toBe(200);
			events.push(...(res.body.data?.events ?? []));
			if (!res.body.data?.next) break;
			after = res.body.data.next;
		}
		expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
		for (const shard of s.shards ?? []) {
			const own = events.filter((e) => (e.shard ?? 0) === shard.index);
			expect(own.every((e) => e.sku === sku)).toBe(true);
			const replayed = replayShard(own);
			expect([replayed.total, replayed.reserved, replayed.sold]).toEqual([
				shard.allotment,
				shard.reserved,
				shard.sold,
			]);
		}
	});
});

describe("sold out, answered at the edge", () => {
	it("after a shard found no unit anywhere, unkeyed attempts are answered without an object call while its memo lasts", async () => {
		const sku = await createSharded(6, 4, 10);
		const [buyer] = await buyers(1);
		if (buyer === undefined) throw new Error("no buyer");
		for (let i = 0; i < 6; i++) expect((await reserve(buyer, sku)).status).toBe(201);
		// The clock is the test's (./held-clock.ts): the shard's memo and the edge's bound are
		// checked to the millisecond, however loaded the machine is.
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const before = (await stats(sku)).edgeAnswered;
			// The buyer's shard asks the coordinator, which finds no unit anywhere: the shard's
			// memo runs until t0 + EXHAUSTED_MEMO_MS, and the edge heard of it.
			expect((await reserve(buyer, sku)).body.error?.code).toBe("sold_out");
			expect((await stats(sku)).edgeAnswered).toBe(before);
			// A keyed attempt always reaches its shard (it may be a replay); the shard answers it
			// under its memo, with what is left of the memo, not a fresh bound.
			setMs(t0 + EXHAUSTED_MEMO_MS / 2);
			expect((await reserve(buyer, sku, "k-1")).body.error?.code).toBe("sold_out");
			expect((await stats(sku)).edgeAnswered).toBe(before);
			// While the memo lasts the edge answers itself.
			setMs(t0 + EXHAUSTED_MEMO_MS - 1);
			expect((await reserve(buyer, sku)).body.error?.code).toBe("sold_out");
			expect((await stats(sku)).edgeAnswered).toBe(before + 1);
			// Once it is over, the coordinator's merged copy the edge asked for on hearing the memo
			// answers (docs/decisions/145-a-split-skus-sold-out-at-the-edge.md)...
			await vi.waitFor(() => expect(freshSnapshot(sku, t0 + EXHAUSTED_MEMO_MS)).not.toBeNull());
			setMs(t0 + EXHAUSTED_MEMO_MS);
			expect((await reserve(buyer, sku)).body.error?.code).toBe("sold_out");
			expect((await stats(sku)).edgeAnswered).toBe(before + 2);
			// ...and once the copy is past its bound too, the attempt reaches the shard, which asks
			// the coordinator again (every copy was asked for by t0 + EXHAUSTED_MEMO_MS).
			setMs(t0 + 4 * EXHAUSTED_MEMO_MS);
			expect((await reserve(buyer, sku)).body.error?.code).toBe("sold_out");
			expect((await stats(sku)).edgeAnswered).toBe(before + 2);
		});
		const s = await stats(sku);
		checkEscrow(s);
		expect(s.reserved).toBe(6);
	});
});

describe("the live feed of a split SKU", () => {
	it("shows the whole SKU: a hold in another shard reaches the coordinator's viewers", async () => {
		const sku = await createSharded(20, 4, 2);
		const res = await worker.fetch(
			new Request(`http://rg.test/api/products/${sku}/live`, {
				headers: { upgrade: "websocket" },
			}),
		);
		expect(res.status).toBe(101);
		const ws = res.webSocket;
		if (ws === null) throw new Error("no WebSocket in the 101 response");
		const messages: Availability[] = [];
		ws.addEventListener("message", (event) => messages.push(JSON.parse(String(event.data))));
		ws.accept();
		const crowd = await buyers(30);
		const far = crowd.find((b) => shardOf(b.sessionId, 4) !== 0) as Buyer;
		const first = await waitFor(() => messages[0]);
		expect(first).toMatchObject({ total: 20, available: 20, reserved: 0 });
		expect((await reserve(far, sku)).status).toBe(201);
		const after = await waitFor(() => messages.find((m) => m.reserved === 1));
		expect(after).toMatchObject({ total: 20, available: 19, reserved: 1, sold: 0 });
		ws.close(1000, "done");
	});
});

/** Polls `read` until it gives a value (the feed's pace is ~10 messages a second). */
async function waitFor<T>(read: () => T | undefined, timeoutMs = 5_000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = read();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error("nothing arrived in time");
		await new Promise((r) => setTimeout(r, 20));
	}
}
