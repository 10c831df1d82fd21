// A waiting room on a SKU split across shards (docs/waiting-room.md, "Where the queue
// lives"; docs/decisions/031-room-on-shards.md), through the real Worker inside
// workerd: one queue in the coordinator, every shard refusing a session the
// coordinator has not admitted (429 `queued` with its ticket), admitted sessions
// reserving on their own shard, units coming back in a shard letting the next ticket
// in, a sale that ends in any shard turning every waiting ticket sold_out, and the
// audit trail passing the verifier. Real time: the objects read Date.now().

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { checkQueueTrail } from "../../cli/verify-queue/check.ts";
import { QUEUED_MEMO_MS } from "../../src/domain/bounds.ts";
import { shardName } from "../../src/domain/escrow.ts";
import { shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { AuditEvent, Product, Reservation, Ticket } from "../../src/shared/types.ts";
import { events, pay } from "./checkout-support.ts";
import { ADMIN, call, stats, uniqueSku } from "./helpers.ts";
import {
	createRoomProduct,
	join,
	moveStart,
	PRE_QUEUE_HOLD_MS,
	type RoomOptions,
	ticketOf,
} from "./room-support.ts";
import { buyersOnEveryShard, newShardBuyer, type ShardBuyer } from "./shards-support.ts";

async function createRoomOnShards(
	fields: { totalStock: number; shards: number; startsAt?: string; holdSeconds?: number },
	room: RoomOptions = {},
): Promise<string> {
	const sku = uniqueSku("RS");
	const product = await createRoomProduct(
		{ perUserLimit: 1, ...fields },
		room,
		sku,
		"Split room drop",
	);
	expect(product.shards).toBe(fields.shards);
	expect(product.waitingRoom).toMatchObject({ enabled: true });
	return sku;
}

const reserve = (sku: string, b: ShardBuyer) =>
	call<Reservation>("POST", "/api/reservations", { token: b.token, body: { sku } });
function queuedTicket(res: { body: { error?: unknown } }): Ticket | null {
	return (res.body.error as { ticket: Ticket | null }).ticket;
}

async function verified(sku: string): Promise<void> {
	const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
	const trail = (await events(sku)) as unknown as AuditEvent[];
	const verdict = checkQueueTrail(trail, product.waitingRoom ?? null);
	expect(verdict.problems).toEqual([]);
	expect(verdict.ok).toBe(true);
}

/**
 * The moved start: ahead of now by more than a shard repeats a refusal's ticket
 * (QUEUED_MEMO_MS), so no shard answers a session after the start with the ticket it
 * gave that session before it (position null, "not shuffled yet").
 */
const START_LEAD_MS = QUEUED_MEMO_MS + 300;

describe.concurrent("waiting room on a SKU split across shards", { timeout: 90_000 }, () => {
	it("one queue: every shard refuses a session not admitted with its ticket; admitted sessions reserve on their own shard in the shuffled order", async () => {
		const shards = 4;
		// The start is an hour away while the pre-queue is checked, then the operator moves it
		// to now: a loaded machine cannot let the start overtake the checks (a start 3 s ahead
		// did, with a second copy of the suite running).
		const sku = await createRoomOnShards({
			totalStock: 4,
			shards,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const buyers = await buyersOnEveryShard(shards, 3);
		const tickets: Ticket[] = [];
		for (const b of buyers) {
			const res = await join(sku, b);
			expect(res.status).toBe(201);
			tickets.push(res.body.data as Ticket);
		}
		// Before the start: every shard answers 429 `queued` with the session's own ticket.
		for (const b of buyers.slice(0, shards)) {
			const res = await reserve(sku, b);
			expect(res.status, JSON.stringify(res.body)).toBe(429);
			expect(res.body.error?.code).toBe("queued");
			expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
			expect(queuedTicket(res)).toMatchObject({
				ticketId: tickets[buyers.indexOf(b)]?.ticketId,
				state: "waiting",
				position: null,
			});
		}
		await moveStart(sku, START_LEAD_MS, 200);
		const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		const seed = product.waitingRoom?.seed as string;
		expect(seed).toMatch(/^[0-9a-f]{64}$/);
		// The shuffle covers every ticket of every shard's buyers: one order for the SKU.
		const order = shuffleOrder(
			tickets.map((t) => t.ticketId),
			seed,
		);
		const buyerOf = (ticketId: string) =>
			buyers[tickets.findIndex((t) => t.ticketId === ticketId)] as ShardBuyer;
		const admitted = order.slice(0, 4).map(buyerOf);
		const waiting = order.slice(4).map(buyerOf);
		for (const b of admitted) expect((await ticketOf(sku, b)).state).toBe("admitted");
		// Sessions not admitted, on every shard: refused with their ticket and position.
		const seen = new Set<number>();
		for (const [i, b] of waiting.entries()) {
			if (seen.has(b.shard)) continue;
			seen.add(b.shard);
			const res = await reserve(sku, b);
			expect(res.status).toBe(429);
			expect(queuedTicket(res)).toMatchObject({ state: "waiting", position: i + 1 });
		}
		expect(seen.size).toBeGreaterThan(1);
		// A session without a ticket is refused on its shard too, with ticket null.
		const stranger = await newShardBuyer(shards);
		const none = await reserve(sku, stranger);
		expect(none.status).toBe(429);
		expect(queuedTicket(none)).toBeNull();
		// Admitted sessions reserve, each on its own shard (the id names it), and no shard
		// asks the coordinator: it heard of each admission before the session was told.
		const asksBefore = (await stats(sku)).queue?.shardCalls?.asks;
		const held: string[] = [];
		for (const b of admitted) {
			const res = await reserve(sku, b);
			expect(res.status, JSON.stringify(res.body)).toBe(201);
			const id = res.body.data?.reservationId as string;
			expect(id.endsWith(b.shard === 0 ? `~${sku}` : `~${sku}~${b.shard}`)).toBe(true);
			held.push(id);
		}
		const s = await stats(sku);
		expect(s).toMatchObject({ reserved: 4, available: 0, oversellCount: 0 });
		expect(s.queue).toMatchObject({ admitted: 4, admittedTotal: 4, waiting: waiting.length });
		expect(s.queue?.shardCalls?.asks).toBe(asksBefore);
		expect(s.rejected.queued).toBeGreaterThanOrEqual(shards + seen.size + 1);
		// Waiting tickets wait while holds could come back; once every unit is paid, on
		// whichever shard, all of them turn sold_out.
		expect((await ticketOf(sku, waiting[0] as ShardBuyer)).state).toBe("waiting");
		for (const [i, b] of admitted.entries())
			expect((await pay(b.token, held[i] as string, "pm_card_visa")).status).toBe(200);
		await vi.waitFor(
			async () => {
				const states = await Promise.all(waiting.map(async (b) => (await ticketOf(sku, b)).state));
				expect(new Set(states)).toEqual(new Set(["sold_out"]));
			},
			{ timeout: 5000, interval: 100 },
		);
		expect((await stats(sku)).queue).toMatchObject({ waiting: 0, soldOutTickets: waiting.length });
		await verified(sku);
	});

	it("a lapsed admission and an expired hold in a shard let the next ticket in; a sale that ends turns every waiting ticket sold_out", async () => {
		const shards = 4;
		const sku = await createRoomOnShards(
			{ totalStock: 1, shards, holdSeconds: 2 },
			{ admitSeconds: 10 },
		);
		// Buyers on shards other than the coordinator's, so every step crosses objects.
		const [a, b, c, d, e] = (await buyersOnEveryShard(shards, 2)).filter((x) => x.shard !== 0);
		for (const x of [a, b, c, d, e]) expect((await join(sku, x as ShardBuyer)).status).toBe(201);
		expect((await ticketOf(sku, a as ShardBuyer)).state).toBe("admitted");
		expect((await ticketOf(sku, b as ShardBuyer)).position).toBe(1);
		// a never reserves: its admission lapses, b is let in (the coordinator's alarm).
		const until = Date.parse((await ticketOf(sku, a as ShardBuyer)).admittedUntil as string);
		await sleep(until - Date.now() + 300);
		expect((await ticketOf(sku, a as ShardBuyer)).state).toBe("expired");
		const lapsed = await reserve(sku, a as ShardBuyer);
		expect(lapsed.status).toBe(429);
		expect(queuedTicket(lapsed)?.state).toBe("expired");
		await vi.waitFor(
			async () => expect((await ticketOf(sku, b as ShardBuyer)).state).toBe("admitted"),
			{
				timeout: 5000,
				interval: 100,
			},
		);
		// b holds the only unit on its shard; c waits while the hold could come back.
		expect((await reserve(sku, b as ShardBuyer)).status).toBe(201);
		expect((await ticketOf(sku, c as ShardBuyer)).state).toBe("waiting");
		// The hold expires in b's shard: the shard reports, the coordinator lets c in.
		await vi.waitFor(
			async () => expect((await ticketOf(sku, c as ShardBuyer)).state).toBe("admitted"),
			{
				timeout: 10_000,
				interval: 200,
			},
		);
		expect((await stats(sku)).queue?.lapsed).toBe(1);
		// c buys the unit on its shard: nothing is left anywhere, d and e are sold out.
		const held = await reserve(sku, c as ShardBuyer);
		expect(held.status).toBe(201);
		expect((await ticketOf(sku, d as ShardBuyer)).state).toBe("waiting");
		expect(
			(await pay(c?.token as string, held.body.data?.reservationId as string, "pm_card_visa"))
				.status,
		).toBe(200);
		await vi.waitFor(
			async () => {
				expect((await ticketOf(sku, d as ShardBuyer)).state).toBe("sold_out");
				expect((await ticketOf(sku, e as ShardBuyer)).state).toBe("sold_out");
			},
			{ timeout: 5000, interval: 100 },
		);
		const s = await stats(sku);
		expect(s).toMatchObject({ sold: 1, available: 0, oversellCount: 0 });
		expect(s.queue).toMatchObject({ waiting: 0, soldOutTickets: 2, lapsed: 1 });
		// A ticket taken now is sold out from the start.
		const late = await newShardBuyer(shards);
		expect((await join(sku, late)).body.data?.state).toBe("sold_out");
		await verified(sku);
	});

	it("PATCH turns a room on for a split SKU; an admitted session still reserves after its shard restarts; turned off, every shard lets everyone reserve", async () => {
		const shards = 3;
		const sku = uniqueSku("RS");
		const created = await call<Product>("POST", "/api/admin/products", {
			token: ADMIN,
			body: {
				sku,
				name: "x",
				priceCents: 1,
				currency: "USD",
				totalStock: 30,
				shards,
				perUserLimit: 2,
			},
		});
		expect(created.status).toBe(201);
		expect(created.body.data?.waitingRoom ?? null).toBeNull();
		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true, overbook: 0 } },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);
		expect(patched.body.data?.waitingRoom).toMatchObject({ enabled: true });
		const buyers = await buyersOnEveryShard(shards, 1);
		for (const b of buyers) expect((await reserve(sku, b)).status).toBe(429);
		const away = buyers.find((b) => b.shard !== 0) as ShardBuyer;
		expect((await join(sku, away)).body.data?.state).toBe("admitted");
		const first = await reserve(sku, away);
		expect(first.status, JSON.stringify(first.body)).toBe(201);
		// The shard forgets its admissions when it restarts; it asks the coordinator again.
		await evictDurableObject(
			env.INVENTORY.get(env.INVENTORY.idFromName(shardName(sku, away.shard))),
		);
		const second = await reserve(sku, away);
		expect(second.status, JSON.stringify(second.body)).toBe(201);
		const off = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: false } },
		});
		expect(off.status).toBe(200);
		for (const b of buyers.filter((x) => x !== away)) {
			const res = await reserve(sku, b);
			expect(res.status, JSON.stringify([b.shard, res.body])).toBe(201);
		}
		const s = await stats(sku);
		expect(s).toMatchObject({ reserved: 2 + buyers.length - 1, oversellCount: 0 });
	});
	it("a reset starts a new drop on every shard: the old admissions no longer let anyone reserve", async () => {
		const shards = 4;
		const sku = await createRoomOnShards({ totalStock: 10, shards }, { admitSeconds: 60 });
		const away = (await buyersOnEveryShard(shards, 1)).find((b) => b.shard !== 0) as ShardBuyer;
		const before = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		expect((await join(sku, away)).body.data?.state).toBe("admitted");
		expect((await reserve(sku, away)).status).toBe(201);
		const reset = await call<Product>("POST", `/api/admin/products/${sku}/reset`, {
			token: ADMIN,
		});
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		expect(reset.body.data?.waitingRoom?.seedCommitment).not.toBe(
			before.waitingRoom?.seedCommitment,
		);
		// Its shard dropped the admission with the old drop: queued, with no ticket.
		const after = await reserve(sku, away);
		expect(after.status).toBe(429);
		expect(queuedTicket(after)).toBeNull();
		expect((await join(sku, away)).body.data?.state).toBe("admitted");
		expect((await reserve(sku, away)).status).toBe(201);
		await verified(sku);
	});
});
