// D1 slow: a database that never answers, or answers late. Every D1 call on a request's path is
// bounded (src/domain/bounds.ts D1_DEADLINE_MS, applied in src/worker/storage-errors.ts): the
// routes whose answer needs D1 answer the documented 503 `unavailable` with Retry-After, never an
// open-ended wait; the edge's SKU check lets a SKU it has not seen through to its object after
// CATALOGUE_LOOKUP_WAIT_MS (src/worker/catalogue.ts), as when D1 fails, and remembers D1's late
// answer; a SKU the isolate knows makes no D1 call at all (docs/decisions/103-a-slow-database.md).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_DEADLINE_MS } from "../../src/domain/bounds.ts";
import { ADMIN, createProduct, newSession, uniqueSku, unseenProduct } from "./helpers.ts";
import { expectUnavailable, request } from "./slow-d1-request.ts";
import { slowD1 } from "./slow-d1-support.ts";

describe("with D1 never answering", () => {
	it("routes whose answer needs D1 answer 503 unavailable with Retry-After", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		// Known to this isolate, so each route reaches its D1 read (not the SKU check).
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		const hung = slowD1(null);
		const answers = await Promise.all([
			request(hung.db, "GET", "/api/products"),
			request(hung.db, "GET", `/api/admin/products/${sku}/events`, { token: ADMIN }),
			request(hung.db, "GET", `/api/products/${sku}/queue/events`),
			request(hung.db, "POST", "/api/reservations", { token, body: { sku, mode: "eventual" } }),
			request(hung.db, "GET", `/api/products/${sku}/holds/mine?mode=eventual`, { token }),
		]);
		const what = [
			"catalogue list",
			"operator's trail",
			"queue trail",
			"eventual mode",
			"eventual mode's holds/mine",
		];
		for (const [i, res] of answers.entries()) expectUnavailable(res, what[i] as string);
		expect(hung.calls.length).toBeGreaterThanOrEqual(4);
	});

	it("routes that write D1 on the side answer as while D1 fails: create and sandbox 201, stats without eventual", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		const hung = slowD1(null);
		const [created, sandbox, stats] = await Promise.all([
			request(hung.db, "POST", "/api/admin/products", {
				token: ADMIN,
				body: { sku: uniqueSku("SLOW"), name: "x", priceCents: 1, currency: "USD", totalStock: 1 },
			}),
			request(hung.db, "POST", "/api/demo/sandbox", { token }),
			request<{ total: number; eventual: unknown }>(
				hung.db,
				"GET",
				`/api/admin/products/${sku}/stats`,
				{ token: ADMIN },
			),
		]);
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		expect(sandbox.status, JSON.stringify(sandbox.body)).toBe(201);
		expect(stats.status, JSON.stringify(stats.body)).toBe(200);
		expect(stats.body.data).toMatchObject({ total: 5, eventual: null });
	});

	it("a SKU the isolate knows costs no D1 call: reserve, product, availability and holds/mine answer", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		const hung = slowD1(null);
		expect((await request(hung.db, "GET", `/api/products/${sku}/availability`)).status).toBe(200);
		expect((await request(hung.db, "GET", `/api/products/${sku}`)).status).toBe(200);
		const hold = await request(hung.db, "POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status, JSON.stringify(hold.body)).toBe(201);
		// The session's holds without `mode`: the object's only, eventual mode's books not read.
		const mine = await request(hung.db, "GET", `/api/products/${sku}/holds/mine`, { token });
		expect(mine.status, JSON.stringify(mine.body)).toBe(200);
		// No call, hence no deadline's timer either: the deadline is started by a call.
		expect(hung.calls).toEqual([]);
	});

	it("a SKU the isolate has not seen goes to its object, which answers; an unknown one is 404", async () => {
		const sku = await unseenProduct();
		const token = await newSession();
		const hung = slowD1(null);
		const availability = await request(hung.db, "GET", `/api/products/${sku}/availability`);
		expect(availability.status, JSON.stringify(availability.body)).toBe(200);
		const hold = await request(hung.db, "POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status, JSON.stringify(hold.body)).toBe(201);
		// The second request did not ask D1 again while the first one's read was in flight.
		expect(hung.calls).toHaveLength(1);
		const unknown = await request(
			hung.db,
			"GET",
			`/api/products/${uniqueSku("NOPE")}/availability`,
		);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error?.code).toBe("unknown_sku");
	});
});

describe("with D1 slower than the SKU check's wait", () => {
	it("the request goes on before D1 answers, and the late answer is remembered", async () => {
		// In D1's catalogue (as another isolate would have written it), unknown to this isolate.
		const sku = await unseenProduct();
		await env.DB.prepare(
			"INSERT INTO products (sku, name, created_at, listed) VALUES (?, 'x', '2026-01-01T00:00:00.000Z', 1)",
		)
			.bind(sku)
			.run();
		// Late, within D1's deadline: far later than the wait, so the order below is not a race.
		const slower = slowD1(D1_DEADLINE_MS - 1_000);
		const first = await request(slower.db, "GET", `/api/products/${sku}/availability`);
		expect(first.status, JSON.stringify(first.body)).toBe(200);
		expect(slower.calls).toHaveLength(1);
		// Answered by the object before D1 answered the SKU check.
		expect(slower.answered()).toBe(0);
		await first.settled();
		expect(slower.answered()).toBe(1);
		// The late answer is kept: the next request for the SKU asks D1 nothing, even one that
		// never answers.
		const hung = slowD1(null);
		expect((await request(hung.db, "GET", `/api/products/${sku}`)).status).toBe(200);
		expect(hung.calls).toEqual([]);
	});
});
