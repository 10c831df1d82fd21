// What `GET …/holds/mine?mode=eventual` costs and how much it answers (docs/api.md, "The session's
// holds"; docs/decisions/149-the-eventual-read-and-a-refused-renewal.md): one call to the SKU's
// object and no merge of a split SKU's shards; the session's rows read through their own index,
// in a total order, with no sort; a bounded list whose `usedUnits` still counts every allocation;
// and no D1 read while a reset has not reached D1, so a failing D1 cannot turn the documented
// empty list into a 503.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Reservation, SessionHolds } from "../../src/shared/types.ts";
import {
	EVENTUAL_HOLDS_LISTED_MAX,
	SESSION_ALLOCATED_SQL,
	SESSION_ALLOCATIONS_SQL,
} from "../../src/worker/eventual.ts";
import { costOf } from "./cost-support.ts";
import { call, createProduct, newSession } from "./helpers.ts";
import { pendReset } from "./pending-reset.ts";
import { coordinator } from "./shards-unreachable.ts";
import { request, requestWith } from "./slow-d1-request.ts";
import { slowD1 } from "./slow-d1-support.ts";

const path = (sku: string) => `/api/products/${sku}/holds/mine?mode=eventual`;

async function allocate(token: string, sku: string, quantity = 1): Promise<Reservation> {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity, mode: "eventual" },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

/** The session id behind a token, read from the row of one of its allocations. */
async function sessionOf(allocation: Reservation): Promise<string> {
	const row = await env.DB.prepare("SELECT session_id FROM eventual_allocations WHERE id = ?")
		.bind(allocation.reservationId)
		.first<{ session_id: string }>();
	return row?.session_id ?? "";
}

/** Writes allocations straight into eventual mode's books, in this order, all at one instant. */
async function addRows(sku: string, sessionId: string, ids: string[], at: string): Promise<void> {
	await env.DB.batch(
		ids.map((id) =>
			env.DB.prepare(
				"INSERT INTO eventual_allocations (id, sku, session_id, quantity, idem_key, created_at, expires_at) VALUES (?, ?, ?, 1, NULL, ?, ?)",
			).bind(id, sku, sessionId, at, at),
		),
	);
}

async function plan(sql: string, params: unknown[]): Promise<string> {
	const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
		.bind(...params)
		.all<{ detail: string }>();
	return rows.results.map((r) => r.detail).join("; ");
}

type Counted = { peerStub: (index: number) => unknown; peerCalls?: number };

/** Counts, from now on, the calls the SKU's coordinator makes on its other shards. */
async function countShardCalls(sku: string): Promise<() => Promise<number>> {
	await runInDurableObject(coordinator(sku), (instance) => {
		const object = instance as unknown as Counted;
		const real = object.peerStub.bind(instance);
		object.peerCalls = 0;
		object.peerStub = (index) => {
			object.peerCalls = (object.peerCalls ?? 0) + 1;
			return real(index);
		};
	});
	return () =>
		runInDurableObject(coordinator(sku), (instance) => {
			const object = instance as unknown as Counted;
			const calls = object.peerCalls ?? 0;
			delete (object as { peerStub?: unknown }).peerStub;
			return calls;
		});
}

describe("holds/mine?mode=eventual: what it costs", () => {
	it("a split SKU's read is one call to its object and asks none of its other shards", async () => {
		const sku = await createProduct({ totalStock: 30, perUserLimit: 5, shards: 3 });
		const token = await newSession();
		await allocate(token, sku, 2);
		const shardCalls = await countShardCalls(sku);
		// Through the app with no cost-ledger binding, as session-holds.test.ts reads its count:
		// the ledger's flush of the session's spend, due LEDGER_FLUSH_MS after it
		// (src/worker/cost/ledger.ts), would ride whichever request comes after that on a busy
		// machine, and is left out, so the call counted is the route's own.
		const res = await requestWith<SessionHolds>({ LEDGER_GROUP: undefined }, "GET", path(sku), {
			token,
		});
		const calls = await shardCalls();
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data).toMatchObject({ usedUnits: 2, perUserLimit: 5, coolDownUntil: null });
		expect(costOf(res).usage.doRequests).toBe(1);
		expect(calls).toBe(0);
	});

	it("reads the session's rows through their own index, with no sort", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const list = await plan(SESSION_ALLOCATIONS_SQL, [sku, "s", EVENTUAL_HOLDS_LISTED_MAX]);
		expect(list).toMatch(
			/USING INDEX eventual_allocations_by_session \(sku=\? AND session_id=\?\)/,
		);
		expect(list).not.toMatch(/TEMP B-TREE/);
		// Eventual mode's limit and the read's usedUnits sum the same rows the same way.
		const sum = await plan(SESSION_ALLOCATED_SQL, [sku, "s"]);
		expect(sum).toMatch(/USING INDEX eventual_allocations_by_session \(sku=\? AND session_id=\?\)/);
	});

	it("finds a SKU's rows alone (the stats' sum, the reset's delete) through the same index: the SKU-only index is dropped", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const indexes = await env.DB.prepare(
			"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'eventual_allocations' AND name NOT LIKE 'sqlite_%'",
		).all<{ name: string }>();
		const names = indexes.results.map((r) => r.name);
		expect(names).toContain("eventual_allocations_by_session");
		expect(names).not.toContain("eventual_allocations_by_sku");
		const bySku = /USING (COVERING )?INDEX eventual_allocations_by_session \(sku=\?\)/;
		const stats = await plan(
			"SELECT COALESCE(SUM(quantity), 0) AS allocated FROM eventual_allocations WHERE sku = ?",
			[sku],
		);
		expect(stats).toMatch(bySku);
		expect(await plan("DELETE FROM eventual_allocations WHERE sku = ?", [sku])).toMatch(bySku);
	});

	it("lists allocations made in one millisecond in the order they were recorded", async () => {
		const sku = await createProduct({ totalStock: 50, perUserLimit: 50 });
		const token = await newSession();
		const first = await allocate(token, sku);
		const sessionId = await sessionOf(first);
		// Ids whose text sorts against their order: only the record's order may decide.
		const at = new Date(Date.parse(first.createdAt) + 1_000).toISOString();
		const ids = ["eventual_c", "eventual_b", "eventual_a"].map(
			(id) => `${id}${crypto.randomUUID()}`,
		);
		await addRows(sku, sessionId, ids, at);
		const res = await call<SessionHolds>("GET", path(sku), { token });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data?.holds.map((h) => h.reservationId)).toEqual([first.reservationId, ...ids]);
	});

	it("lists the session's newest allocations up to the bound, oldest first, and counts them all", async () => {
		const sku = await createProduct({ totalStock: 500, perUserLimit: 500 });
		const token = await newSession();
		const first = await allocate(token, sku, 3);
		const sessionId = await sessionOf(first);
		const more = EVENTUAL_HOLDS_LISTED_MAX + 5;
		const base = Date.parse(first.createdAt) + 1_000;
		const ids: string[] = [];
		for (let i = 0; i < more; i += 1) {
			const id = `eventual_${crypto.randomUUID()}`;
			ids.push(id);
			await addRows(sku, sessionId, [id], new Date(base + i).toISOString());
		}
		const res = await call<SessionHolds>("GET", path(sku), { token });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const listed = res.body.data?.holds.map((h) => h.reservationId);
		expect(listed).toEqual(ids.slice(-EVENTUAL_HOLDS_LISTED_MAX));
		expect(res.body.data?.usedUnits).toBe(3 + more);
	});

	it("while a reset has not reached D1, answers the empty list without reading D1, even a D1 that never answers", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 10 });
		const token = await newSession();
		await allocate(token, sku, 2);
		// The object's own reset event, not yet copied to D1.
		await pendReset(coordinator(sku), sku, 10);
		const hung = slowD1(null);
		const res = await request<SessionHolds>(hung.db, "GET", path(sku), { token });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data).toEqual({
			holds: [],
			usedUnits: 0,
			perUserLimit: 10,
			coolDownUntil: null,
		});
		expect(hung.calls).toEqual([]);
	});
});
