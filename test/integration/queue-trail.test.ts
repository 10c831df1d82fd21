// The waiting room's public trail (GET /api/products/:sku/queue/events,
// docs/decisions/087-room-start-and-public-order.md): without a token, the room's events
// and nothing else, no session in them, paged by `seq`; enough for the verifier to recompute
// the order (cli/verify-queue/check.ts), in one object and on a SKU split across shards.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkQueueTrail } from "../../cli/verify-queue/check.ts";
import type { AuditEvent, Product, Ticket } from "../../src/shared/types.ts";
import { events } from "./checkout-support.ts";
import { call, createProduct, newSession, uniqueSku } from "./helpers.ts";
import { createRoomProduct, moveStart, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

type Page = { events: AuditEvent[]; next: string | null };

async function publicTrail(sku: string, limit: number): Promise<AuditEvent[]> {
	const out: AuditEvent[] = [];
	let after = "0";
	for (let page = 0; page < 100; page++) {
		const res = await call<Page>(
			"GET",
			`/api/products/${sku}/queue/events?after=${after}&limit=${limit}`,
		);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const data = res.body.data as Page;
		expect(data.events.length).toBeLessThanOrEqual(limit);
		out.push(...data.events);
		if (data.next === null) return out;
		after = data.next;
	}
	throw new Error("the trail did not end");
}

describe.concurrent("the waiting room's public trail", { timeout: 90_000 }, () => {
	for (const shards of [1, 4]) {
		it(`anyone reads the room's events without sessions and recomputes the order (shards ${shards})`, async () => {
			const { sku } = await createRoomProduct({
				totalStock: 2,
				perUserLimit: 1,
				shards,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
			});
			const tokens = await Promise.all([0, 1, 2, 3].map(() => newSession()));
			for (const token of tokens) {
				const res = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token });
				expect(res.status).toBe(201);
			}
			await moveStart(sku, 300, 300);
			// A hold, so that the operator's trail has events the public one must not carry.
			const admitted: string[] = [];
			for (const token of tokens) {
				const t = await call<Ticket>("GET", `/api/products/${sku}/queue`, { token });
				if (t.body.data?.state === "admitted") admitted.push(token);
			}
			expect(admitted).toHaveLength(2);
			const held = await call("POST", "/api/reservations", {
				token: admitted[0],
				body: { sku, quantity: 1 },
			});
			expect(held.status).toBe(201);

			const trail = await publicTrail(sku, 2);
			const full = (await events(sku)) as unknown as AuditEvent[];
			const roomEvents = full.filter((e) => e.type.startsWith("queue."));
			expect(trail.map((e) => [e.type, e.seq, e.detail])).toEqual(
				roomEvents.map((e) => [e.type, e.seq, e.detail]),
			);
			expect(trail.every((e) => e.type.startsWith("queue."))).toBe(true);
			// No session (nor any other field than the room's own) in the public trail.
			const sessions = full.flatMap((e) => (e.sessionId === undefined ? [] : [e.sessionId]));
			expect(sessions.length).toBeGreaterThan(0);
			const text = JSON.stringify(trail);
			for (const s of sessions) expect(text).not.toContain(s);
			for (const e of trail)
				expect(Object.keys(e).sort()).toEqual(
					["at", "detail", "id", "seq", "sku", "type"].filter(
						(k) => k !== "detail" || e.detail !== undefined,
					),
				);
			const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
			const verdict = checkQueueTrail(trail, product.waitingRoom ?? null);
			expect(verdict.problems).toEqual([]);
			expect(verdict).toMatchObject({ ok: true, tickets: 4, preQueue: 4, admissions: 2 });
		});
	}

	it("a page is read through the partial index of the room's events, not a walk of the SKU's trail", async () => {
		const plan = await env.DB.prepare(
			"EXPLAIN QUERY PLAN SELECT id, seq, type, at, detail FROM events WHERE sku = ? AND type GLOB 'queue.*' AND seq > ? ORDER BY seq LIMIT ?",
		)
			.bind("X", 0, 10)
			.all<{ detail: string }>();
		expect(plan.results.map((r) => r.detail).join("; ")).toContain("events_queue_by_sku_seq");
	});

	it("bad input is a 400 naming the parameter; an unknown SKU 404; a SKU without a room an empty trail", async () => {
		const sku = await createProduct({ totalStock: 3 });
		for (const q of ["limit=0", "limit=1001", "limit=1.5", "limit=abc", "after=-1", "after=x"]) {
			const res = await call("GET", `/api/products/${sku}/queue/events?${q}`);
			expect(res.status, q).toBe(400);
			expect(res.body.error?.message, q).toContain(q.split("=")[0] as string);
		}
		const unknown = await call("GET", `/api/products/${uniqueSku("NONE")}/queue/events`);
		expect(unknown.status).toBe(404);
		const none = await call<Page>("GET", `/api/products/${sku}/queue/events`);
		expect(none.status).toBe(200);
		expect(none.body.data).toEqual({ events: [], next: null });
	});
});
