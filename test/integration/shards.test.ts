// One hot SKU split across escrow shards (docs/decisions/020-escrow-shards.md,
// docs/api.md "Shards"), through the real Worker inside workerd:
// - 8 shards, 1,000 units, 20,000 attempts from 2,000 sessions, many sent twice
//   with the same Idempotency-Key: exactly 1,000 units held, one per session (the
//   purchase limit), every replay equal to its original, no shard over its allotment;
// - a skewed crowd (most buyers hash to two shards) still takes every unit: none
//   stays stranded in an idle shard's allotment;
// - cancel, checkout, reset and totalStock changes on a split SKU.

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { replay } from "../../src/domain/replay.ts";
import type {
	AuditEvent,
	Availability,
	Order,
	Product,
	Reservation,
	Stats,
} from "../../src/shared/types.ts";
import { ADMIN, type ApiResponse, call, createProduct, DEBUG, uniqueSku } from "./helpers.ts";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;

interface Buyer {
	token: string;
	sessionId: string;
}

async function newBuyer(): Promise<Buyer> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return { token: res.body.data.token, sessionId: res.body.data.sessionId };
}

async function buyers(n: number): Promise<Buyer[]> {
	const out: Buyer[] = [];
	for (let i = 0; i < n; i += 200) {
		out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, newBuyer))));
	}
	return out;
}

async function createSharded(totalStock: number, shards: number, perUserLimit: number) {
	const sku = uniqueSku("SH");
	const res = await call<Product>("POST", "/api/admin/products", {
		token: ADMIN,
		body: {
			sku,
			name: "Split drop",
			priceCents: 1000,
			currency: "USD",
			totalStock,
			perUserLimit,
			shards,
		},
	});
	expect(res.status).toBe(201);
	expect(res.body.data?.shards).toBe(shards);
	expect(res.body.data?.totalStock).toBe(totalStock);
	expect(res.body.data?.availability.available).toBe(totalStock);
	return sku;
}

async function stats(sku: string): Promise<Stats> {
	const res = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
	expect(res.status).toBe(200);
	return res.body.data as Stats;
}

/** Allotments + pool = total, and no shard holds more than its allotment. */
function checkEscrow(s: Stats): void {
	const shards = s.shards ?? [];
	const allotted = shards.reduce((n, x) => n + x.allotment, 0);
	expect(allotted + (s.pool ?? 0)).toBe(s.total);
	for (const x of shards) {
		expect(x.reserved + x.sold).toBeLessThanOrEqual(x.allotment);
		expect(x.available).toBe(x.allotment - x.reserved - x.sold);
	}
	expect(s.oversellCount).toBe(0);
	expect(s.available + s.reserved + s.sold).toBe(s.total);
}

const reserve = (buyer: Buyer, sku: string, key?: string) =>
	call<Reservation>("POST", "/api/reservations", {
		token: buyer.token,
		body: { sku },
		...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
	});

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
	it("20,000 attempts from 2,000 sessions on 1,000 units: exactly 1,000 held, limits exact, replays equal", async () => {
		const UNITS = 1_000;
		const SESSIONS = 2_000;
		const ATTEMPTS = 20_000;
		/** Each session reuses KEYS keys over its attempts: most attempts are replays. */
		const KEYS = 4;
		const WAVE = 1_000;
		const sku = await createSharded(UNITS, 8, 1);
		const crowd = await buyers(SESSIONS);

		const answers = new Map<string, ApiResponse<Reservation>[]>();
		for (let start = 0; start < ATTEMPTS; start += WAVE) {
			const wave = await Promise.all(
				Array.from({ length: WAVE }, async (_, i) => {
					const n = start + i;
					// A session's attempts are sent together under KEYS keys: copies of one key
					// are replays, the other keys meet the purchase limit while units remain.
					const buyer = crowd[Math.floor(n / (ATTEMPTS / SESSIONS))] as Buyer;
					const key = `k-${n % KEYS}`;
					return { id: `${buyer.sessionId}|${key}`, res: await reserve(buyer, sku, key) };
				}),
			);
			for (const { id, res } of wave) {
				const list = answers.get(id) ?? [];
				list.push(res);
				answers.set(id, list);
			}
		}

		const holdsBySession = new Map<string, Set<string>>();
		let limited = 0;
		for (const [id, list] of answers) {
			const first = list[0] as ApiResponse<Reservation>;
			expect([201, 403, 409]).toContain(first.status);
			for (const again of list) {
				expect(again.status).toBe(first.status);
				expect(again.body.data?.reservationId).toBe(first.body.data?.reservationId);
				expect(again.body.error?.code).toBe(first.body.error?.code);
			}
			const session = id.split("|")[0] as string;
			if (first.status === 201) {
				const held = holdsBySession.get(session) ?? new Set<string>();
				held.add(first.body.data?.reservationId ?? "");
				holdsBySession.set(session, held);
			} else if (first.body.error?.code === "purchase_limit") limited += 1;
			else expect(first.body.error?.code).toBe("sold_out");
		}
		const holds = [...holdsBySession.values()].reduce((n, s) => n + s.size, 0);
		expect(holds).toBe(UNITS);
		for (const held of holdsBySession.values()) expect(held.size).toBe(1);
		expect(limited).toBeGreaterThan(0);

		const s = await stats(sku);
		checkEscrow(s);
		expect(s.reserved).toBe(UNITS);
		expect(s.available).toBe(0);
		expect(s.shards).toHaveLength(8);
		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ total: UNITS, available: 0, reserved: UNITS });
	}, 240_000);

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

		// The trail merges the shards; each shard's events replay to its allotment and counters.
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
			const replayed = replay(own);
			expect([replayed.total, replayed.reserved, replayed.sold]).toEqual([
				shard.allotment,
				shard.reserved,
				shard.sold,
			]);
		}
	});
});

describe("sold out, answered at the edge", () => {
	it("after a shard found no unit anywhere, unkeyed attempts are answered without an object call", async () => {
		const sku = await createSharded(6, 4, 10);
		const [buyer] = await buyers(1);
		if (buyer === undefined) throw new Error("no buyer");
		for (let i = 0; i < 6; i++) expect((await reserve(buyer, sku)).status).toBe(201);
		const before = (await stats(sku)).edgeAnswered;
		// The first sold_out comes from the buyer's shard after it folded back from every other;
		// the next one, within the edge's freshness bound, from the edge.
		const first = await reserve(buyer, sku);
		expect(first.body.error?.code).toBe("sold_out");
		const again = await reserve(buyer, sku);
		expect(again.body.error?.code).toBe("sold_out");
		const s = await stats(sku);
		expect(s.edgeAnswered).toBe(before + 1);
		checkEscrow(s);
		expect(s.reserved).toBe(6);
		// A keyed attempt always reaches its shard (it may be a replay).
		expect((await reserve(buyer, sku, "k-1")).body.error?.code).toBe("sold_out");
		expect((await stats(sku)).edgeAnswered).toBe(before + 1);
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
