// The waiting room over the real Worker, SKU object and D1 (docs/api.md v1.1
// "Waiting room", docs/waiting-room.md): tickets, the pre-queue shuffled at the
// start from the committed seed, the reserve gate, lapses and returned holds
// letting the next ticket in, sold out for everyone once nothing can come back,
// and the audit trail the verifier reads. Real time: the object reads Date.now().
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256HexSync } from "../../src/domain/sha256.ts";
import { shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { events, pay, reserve } from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession, stats, uniqueSku } from "./helpers.ts";
import { createRoom, join, moveStart, PRE_QUEUE_HOLD_MS, ticketOf } from "./room-support.ts";

/** The moved start: just ahead of now, so the PATCH lands before it. */
const START_LEAD_MS = 300;

describe.concurrent("waiting room", { timeout: 60_000 }, () => {
	it("pre-queue, shuffle at the start from the committed seed, admission by stock, the reserve gate", async () => {
		// The start is an hour away while the pre-queue is checked, then the operator moves it
		// to now: a loaded machine cannot let the start overtake the checks (a start 5 s ahead
		// did, with the suite running twice beside other work).
		const tokens = await Promise.all([0, 1, 2, 3, 4].map(() => newSession()));
		const stranger = await newSession();
		const sku = await createRoom({
			totalStock: 2,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
		});
		const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		expect(product.waitingRoom).toMatchObject({ enabled: true, seed: null, overbook: 0 });
		expect(product.waitingRoom?.seedCommitment).toMatch(/^[0-9a-f]{64}$/);

		const tickets: Ticket[] = [];
		for (const token of tokens) {
			const res = await join(sku, token);
			expect(res.status).toBe(201);
			expect(res.body.data).toMatchObject({ state: "waiting", position: null, sku });
			tickets.push(res.body.data as Ticket);
		}
		// One ticket per session: asking again answers the same ticket with 200.
		const again = await join(sku, tokens[0] as string);
		expect(again.status).toBe(200);
		expect(again.body.data?.ticketId).toBe(tickets[0]?.ticketId);
		// The gate: a ticket holder and a session without one are both told to queue.
		const queued = await call("POST", "/api/reservations", {
			token: tokens[1],
			body: { sku, quantity: 1 },
		});
		expect(queued.status).toBe(429);
		expect(queued.body.error?.code).toBe("queued");
		expect(Number(queued.headers.get("retry-after"))).toBeGreaterThan(0);
		expect((queued.body.error as unknown as { ticket: Ticket }).ticket.ticketId).toBe(
			tickets[1]?.ticketId,
		);
		const none = await call("POST", "/api/reservations", {
			token: stranger,
			body: { sku, quantity: 1 },
		});
		expect(none.status).toBe(429);
		expect((none.body.error as unknown as { ticket: Ticket | null }).ticket).toBeNull();
		expect((await call("GET", `/api/products/${sku}/queue`, { token: stranger })).status).toBe(404);

		await moveStart(sku, START_LEAD_MS, 100);
		const started = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		const seed = started.waitingRoom?.seed as string;
		expect(seed).toMatch(/^[0-9a-f]{64}$/);
		expect(sha256HexSync(seed)).toBe(product.waitingRoom?.seedCommitment);
		// The order is the documented shuffle of the pre-queue in arrival order.
		const order = shuffleOrder(
			tickets.map((t) => t.ticketId),
			seed,
		);
		const now = await Promise.all(tokens.map((t) => ticketOf(sku, t)));
		const byId = new Map(now.map((t) => [t.ticketId, t]));
		expect(order.map((id) => byId.get(id)?.state)).toEqual([
			"admitted",
			"admitted",
			"waiting",
			"waiting",
			"waiting",
		]);
		expect(order.slice(2).map((id) => byId.get(id)?.position)).toEqual([1, 2, 3]);
		// The start's admissions took the units that were free: no pace of units coming back is
		// measured yet, so no ETA (it said 15, 30 and 45 s whatever the holds' length).
		expect(order.slice(2).map((id) => byId.get(id)?.etaSeconds)).toEqual([null, null, null]);
		// Admitted sessions reserve as usual; the others are still queued.
		const first = tokens[tickets.findIndex((t) => t.ticketId === order[0])] as string;
		const third = tokens[tickets.findIndex((t) => t.ticketId === order[2])] as string;
		await reserve(first, sku, 1);
		const stillQueued = await call("POST", "/api/reservations", {
			token: third,
			body: { sku, quantity: 1 },
		});
		expect(stillQueued.body.error?.code).toBe("queued");
		expect((await stats(sku)).queue).toMatchObject({
			waiting: 3,
			admitted: 2,
			admittedTotal: 2,
			lapsed: 0,
			soldOutTickets: 0,
		});
		// The audit trail carries the commitment, the tickets, the revealed seed and the admissions.
		const trail = await events(sku);
		const types = trail.map((e) => e.type);
		expect(types.filter((t) => t === "queue.ticket")).toHaveLength(5);
		expect(trail.find((e) => e.type === "queue.enabled")?.detail?.seedCommitment).toBe(
			product.waitingRoom?.seedCommitment,
		);
		expect(trail.find((e) => e.type === "queue.started")?.detail?.seed).toBe(seed);
		expect(trail.filter((e) => e.type === "queue.admitted").map((e) => e.detail?.ticketId)).toEqual(
			order.slice(0, 2),
		);
	});

	it("an operator's raise of the total admits the next tickets at once, and that burst is no pace for the ETA", async () => {
		// All four in the pre-queue, so the start's one admission is the start's (no pace either).
		const sku = await createRoom(
			{ totalStock: 1, startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString() },
			{ admitSeconds: 60 },
		);
		const buyers = await Promise.all([0, 1, 2, 3].map(() => newSession()));
		for (const s of buyers) await join(sku, s);
		await moveStart(sku, START_LEAD_MS, 100);
		const states = await Promise.all(buyers.map(async (s) => (await ticketOf(sku, s)).state));
		expect(states.filter((st) => st === "admitted")).toHaveLength(1);
		const raised = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 3 },
		});
		expect(raised.status, JSON.stringify(raised.body)).toBe(200);
		const after = await Promise.all(buyers.map((s) => ticketOf(sku, s)));
		expect(after.filter((t) => t.state === "admitted")).toHaveLength(3);
		// Nothing came back yet: no ETA (counted, the raise's two told the last "about 15 s").
		expect(after.filter((t) => t.state === "waiting")).toMatchObject([
			{ position: 1, etaSeconds: null },
		]);
	});

	it("a lapsed admission and a cancelled hold each let the next ticket in; a sale with nothing left turns the rest sold_out", async () => {
		const sku = await createRoom({ totalStock: 1 }, { admitSeconds: 10 });
		const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map(() => newSession()));
		expect((await join(sku, a as string)).body.data?.state).toBe("admitted");
		expect((await join(sku, b as string)).body.data).toMatchObject({
			state: "waiting",
			position: 1,
		});
		await join(sku, c as string);
		await join(sku, d as string);
		const admittedUntil = Date.parse((await ticketOf(sku, a as string)).admittedUntil as string);
		await sleep(admittedUntil - Date.now() + 200);
		// a never reserved: its admission lapsed and b is in.
		expect((await ticketOf(sku, a as string)).state).toBe("expired");
		expect((await ticketOf(sku, b as string)).state).toBe("admitted");
		expect((await stats(sku)).queue?.lapsed).toBe(1);
		// b holds the only unit: c waits while the hold could come back.
		const held = await reserve(b as string, sku, 1);
		expect((await ticketOf(sku, c as string)).state).toBe("waiting");
		const cancelled = await call("DELETE", `/api/reservations/${held}`, { token: b });
		expect(cancelled.status).toBe(200);
		expect((await ticketOf(sku, c as string)).state).toBe("admitted");
		// c buys the unit: nothing can come back, d is sold out at once.
		const bought = await reserve(c as string, sku, 1);
		expect((await ticketOf(sku, d as string)).state).toBe("waiting");
		expect((await pay(c as string, bought, "pm_card_visa")).status).toBe(200);
		expect((await ticketOf(sku, d as string)).state).toBe("sold_out");
		expect((await stats(sku)).queue).toMatchObject({ waiting: 0, soldOutTickets: 1 });
	});

	it("PATCH turns a room on for an existing product; a SKU without a room refuses the queue", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const noRoom = await join(sku, token);
		expect(noRoom.status).toBe(409);
		expect(noRoom.body.error?.code).toBe("invalid_state");
		expect((await call<Product>("GET", `/api/products/${sku}`)).body.data?.waitingRoom).toBeNull();
		// Without a room, reserves go through as before.
		await reserve(token, sku, 1);
		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0.5 } },
		});
		expect(patched.status).toBe(200);
		expect(patched.body.data?.waitingRoom).toMatchObject({
			enabled: true,
			admitSeconds: 30,
			overbook: 0.5,
		});
		// Already started: the (empty) pre-queue was shuffled and the seed is out at once.
		expect(patched.body.data?.waitingRoom?.seed).toMatch(/^[0-9a-f]{64}$/);
		const other = await newSession();
		expect((await call("POST", "/api/reservations", { token: other, body: { sku } })).status).toBe(
			429,
		);
		expect((await join(sku, other)).body.data?.state).toBe("admitted");
		await reserve(other, sku, 1);
		// Turned off: everyone reserves as before.
		await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: false } },
		});
		await reserve(await newSession(), sku, 1);
	});

	it("tickets, admissions and the seed survive the object's restart", async () => {
		const sku = await createRoom({ totalStock: 1 }, { admitSeconds: 60 });
		const tokens = await Promise.all([0, 1, 2].map(() => newSession()));
		const before: Ticket[] = [];
		for (const token of tokens) before.push((await join(sku, token)).body.data as Ticket);
		const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		await evictDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)));
		const after = await Promise.all(tokens.map((t) => ticketOf(sku, t)));
		expect(after.map((t) => [t.ticketId, t.state, t.position, t.admittedUntil])).toEqual(
			before.map((t) => [t.ticketId, t.state, t.position, t.admittedUntil]),
		);
		const again = await join(sku, tokens[2] as string);
		expect(again.status).toBe(200);
		expect(again.body.data?.ticketId).toBe(before[2]?.ticketId);
		const reloaded = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		expect(reloaded.waitingRoom).toEqual(product.waitingRoom);
		// The admitted session still reserves; the others are still queued.
		await reserve(tokens[0] as string, sku, 1);
		expect((await stats(sku)).queue).toMatchObject({ waiting: 2, admittedTotal: 1 });
	});

	it("bad room settings are a 400 naming the field, and change nothing", async () => {
		const sku = uniqueSku("WR");
		const bad = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: {
				sku,
				name: "x",
				priceCents: 1,
				currency: "USD",
				totalStock: 1,
				waitingRoom: { enabled: true, admitSeconds: 5 },
			},
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error?.message).toContain("waitingRoom.admitSeconds");
		expect((await call("GET", `/api/products/${sku}`)).status).toBe(404);
		const existing = await createProduct({ totalStock: 1 });
		const patch = await call("PATCH", `/api/admin/products/${existing}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true, overbook: 2 } },
		});
		expect(patch.status).toBe(400);
		expect(patch.body.error?.message).toContain("waitingRoom.overbook");
		expect(
			(await call<Product>("GET", `/api/products/${existing}`)).body.data?.waitingRoom,
		).toBeNull();
		const unauth = await call("POST", `/api/products/${existing}/queue`);
		expect(unauth.status).toBe(401);
	});

	it("a room on a SKU split across shards is accepted at create and by PATCH (test/integration/room-shards.test.ts covers its gate)", async () => {
		const body = { name: "x", priceCents: 1, currency: "USD", totalStock: 40, shards: 4 };
		const sku = uniqueSku("WR");
		const created = await call<Product>("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...body, sku, waitingRoom: { enabled: true } },
		});
		expect(created.status).toBe(201);
		expect(created.body.data).toMatchObject({ shards: 4, waitingRoom: { enabled: true } });
		const later = uniqueSku("WR");
		expect(
			(await call("POST", "/api/admin/products", { token: ADMIN, body: { ...body, sku: later } }))
				.status,
		).toBe(201);
		const patch = await call<Product>("PATCH", `/api/admin/products/${later}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true } },
		});
		expect(patch.status).toBe(200);
		expect(patch.body.data).toMatchObject({ shards: 4, waitingRoom: { enabled: true } });
	});
});
