// Following the audit trail as the console does (src/web/console/trail.ts) against
// the real events route: on a SKU split across shards the cursor is a D1 row id
// while each event's `seq` counts within its shard, so a follower must resume from
// the server's cursor (`last`), never from an event. A poll with nothing new adds
// no row, on both kinds of SKU; `tail` reads the end of the trail in one request.

import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import type { ApiResult, EventsPage } from "../../src/web/api/client.ts";
import { type TrailApi, trailPoller } from "../../src/web/console/trail.ts";
import { ADMIN, call, createProduct } from "./helpers.ts";
import { buyers, createSharded, reserve } from "./shards-support.ts";

async function eventsGet(sku: string, query: string) {
	return call<EventsPage>("GET", `/api/admin/products/${sku}/events?${query}`, { token: ADMIN });
}

async function asResult(sku: string, query: string): Promise<ApiResult<EventsPage>> {
	const res = await eventsGet(sku, query);
	if (res.status !== 200 || !res.body.data) throw new Error(`events: ${res.status}`);
	return { ok: true, status: 200, data: res.body.data, meta: {} as never, roundTripMs: 0 };
}

/** The console's client calls, made through the Worker. */
const api: TrailApi = {
	events: (sku, after, limit) =>
		asResult(sku, `limit=${limit}${after === null ? "" : `&after=${after}`}`),
	eventsTail: (sku, count) => asResult(sku, `tail=${count}`),
};

async function wholeTrail(sku: string): Promise<AuditEvent[]> {
	const out: AuditEvent[] = [];
	let after: string | null = null;
	for (let pages = 0; pages < 100; pages++) {
		const res = await eventsGet(sku, `limit=1000${after === null ? "" : `&after=${after}`}`);
		expect(res.status).toBe(200);
		const p = res.body.data as EventsPage;
		out.push(...p.events);
		if (p.next === null) return out;
		after = p.next;
	}
	throw new Error("the trail never ended");
}

async function follows(sku: string, more: () => Promise<void>): Promise<void> {
	const seen: AuditEvent[] = [];
	const poll = trailPoller(api, sku, (page) => seen.push(...page));
	expect(await poll()).toBe(true);
	const trail = await wholeTrail(sku);
	expect(seen.map((e) => e.id)).toEqual(trail.map((e) => e.id));
	// Nothing new: nothing added, however often it asks.
	for (let i = 0; i < 3; i++) expect(await poll()).toBe(true);
	expect(seen.length).toBe(trail.length);
	// Something new: exactly that is added.
	await more();
	// Then nothing new again: the polls after a page with events add nothing either.
	for (let i = 0; i < 3; i++) expect(await poll()).toBe(true);
	const after = await wholeTrail(sku);
	expect(after.length).toBeGreaterThan(trail.length);
	expect(seen.map((e) => e.id)).toEqual(after.map((e) => e.id));
	expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
}

describe("following the audit trail", () => {
	it("adds no row when nothing happened, on a SKU split across 16 shards", async () => {
		const sku = await createSharded(20, 16, 2);
		const crowd = await buyers(6);
		for (const b of crowd.slice(0, 5)) expect((await reserve(b, sku)).status).toBe(201);
		await follows(sku, async () => {
			expect((await reserve(crowd[5] as (typeof crowd)[number], sku)).status).toBe(201);
		});
	});

	it("adds no row when nothing happened, on a SKU of one object", async () => {
		const sku = await createProduct({ totalStock: 20 });
		const crowd = await buyers(4);
		for (const b of crowd.slice(0, 3)) expect((await reserve(b, sku)).status).toBe(201);
		await follows(sku, async () => {
			expect((await reserve(crowd[3] as (typeof crowd)[number], sku)).status).toBe(201);
		});
	});

	it("gives the last row's cursor on every page and reads the tail in one request", async () => {
		for (const shards of [1, 4]) {
			const sku = await createSharded(10, shards, 2);
			for (const b of await buyers(3)) expect((await reserve(b, sku)).status).toBe(201);
			const trail = await wholeTrail(sku);
			expect(trail.length).toBeGreaterThanOrEqual(4);

			// The last page: `next` null as the contract says, `last` its last row's cursor.
			const first = (await eventsGet(sku, "limit=1000")).body.data as EventsPage;
			expect(first.next).toBeNull();
			expect(first.last).not.toBeNull();
			const empty = (await eventsGet(sku, `after=${first.last}`)).body.data as EventsPage;
			expect(empty).toEqual({ events: [], next: null, last: null });
			// A full page: `next` and `last` are the same cursor.
			const two = (await eventsGet(sku, "limit=2")).body.data as EventsPage;
			expect(two.next).not.toBeNull();
			expect(two.last).toBe(two.next);

			const tail = (await eventsGet(sku, "tail=2")).body.data as EventsPage;
			expect(tail.events.map((e) => e.id)).toEqual(trail.slice(-2).map((e) => e.id));
			expect(tail.next).toBeNull();
			expect(tail.last).toBe(first.last);
			const all = (await eventsGet(sku, "tail=1000")).body.data as EventsPage;
			expect(all.events.map((e) => e.id)).toEqual(trail.map((e) => e.id));
		}
	});

	it("pages back from the tail with before=<an event's cursor>, to the trail's first event", async () => {
		for (const shards of [1, 4]) {
			const sku = await createSharded(10, shards, 2);
			for (const b of await buyers(4)) expect((await reserve(b, sku)).status).toBe(201);
			const trail = await wholeTrail(sku);
			expect(trail.length).toBeGreaterThanOrEqual(5);
			// Every event names its place in the trail: what `after` and `before` take.
			for (const e of trail) expect(e.cursor).toMatch(/^\d+$/);
			const tail = (await eventsGet(sku, "tail=2")).body.data as EventsPage;
			expect(tail.last).toBe(tail.events.at(-1)?.cursor);
			// Older pages, newest first, until an empty one: the whole trail, each event once.
			const read: AuditEvent[] = [...tail.events];
			let before = tail.events[0]?.cursor;
			for (let pages = 0; before !== undefined; pages++) {
				expect(pages).toBeLessThan(50);
				const res = await eventsGet(sku, `tail=2&before=${before}`);
				expect(res.status).toBe(200);
				const page = res.body.data as EventsPage;
				expect(page.next).toBeNull();
				expect(page.events.length).toBeLessThanOrEqual(2);
				read.unshift(...page.events);
				before = page.events[0]?.cursor;
			}
			expect(read.map((e) => e.id)).toEqual(trail.map((e) => e.id));
		}
	});

	it("refuses a bad before with a 400 that names it, and before without tail", async () => {
		const sku = await createProduct();
		for (const query of [
			"before=5",
			"tail=5&before=x",
			"tail=5&before=-1",
			"tail=5&before=1e3",
			"limit=5&before=3",
		]) {
			const res = await eventsGet(sku, query);
			expect(res.status).toBe(400);
			expect(res.body.error?.message).toContain("before");
		}
	});

	it("refuses a bad tail with a 400 that names it", async () => {
		const sku = await createProduct();
		for (const query of [
			"tail=0",
			"tail=1001",
			"tail=x",
			"tail=1e2",
			"tail=0x10",
			"tail=%205",
			"tail=5&after=1",
			"tail=5&limit=5",
		]) {
			const res = await eventsGet(sku, query);
			expect(res.status).toBe(400);
			expect(res.body.error?.message).toContain("tail");
		}
	});
});
