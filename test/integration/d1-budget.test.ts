// One D1 deadline per request (src/worker/d1-budget.ts,
// docs/decisions/113-one-d1-budget-per-request.md): a route that waits on D1 twice (the trails:
// the object's flush, then the page's read; eventual mode: a read, then a write) gives both waits
// one D1_DEADLINE_MS, the second getting what the first left; where what D1 adds is optional
// (the stats' eventual figure, a create's catalogue row) the answer comes after
// OPTIONAL_D1_WAIT_MS without it, and a write goes on after the answer.
//
// The delays are far apart (each wait alone is within the deadline, together they are well past
// it; the optional wait is a third of a late answer): the order of events is asserted, not a time.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_DEADLINE_MS, OPTIONAL_D1_WAIT_MS } from "../../src/domain/bounds.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";
import { expectUnavailable, request } from "./slow-d1-request.ts";
import { slowD1 } from "./slow-d1-support.ts";
import type { InventoryObject } from "./worker.ts";

/** Each of two waits answers this late: within D1_DEADLINE_MS alone, 1.2× it together. */
const EACH_LATE_MS = D1_DEADLINE_MS * 0.6;
/** Late, within the deadline, and three times the optional wait. */
const LATE_MS = OPTIONAL_D1_WAIT_MS * 3;

function inObject<T>(sku: string, run: (object: InventoryObject) => T) {
	return runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), run);
}

/** A SKU this isolate knows, with an event in its object's outbox that its D1 holds. */
async function withHeldOutbox(): Promise<string> {
	const sku = await createProduct({ totalStock: 5 });
	expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
	expect(await env.INVENTORY.get(env.INVENTORY.idFromName(sku)).flushEvents()).toBe(true);
	await inObject(sku, (object) => object.d1.hold());
	const token = await newSession();
	expect((await call("POST", "/api/reservations", { token, body: { sku } })).status).toBe(201);
	return sku;
}

describe("one D1 deadline per request", () => {
	const trails = [
		{ what: "operator's trail", path: (sku: string) => `/api/admin/products/${sku}/events` },
		{ what: "room's trail", path: (sku: string) => `/api/products/${sku}/queue/events` },
	];
	for (const { what, path } of trails) {
		it(`the ${what}: its read gets what the flush left of one deadline`, async () => {
			const sku = await withHeldOutbox();
			// The object's D1 answers the flush late, the page's read is as late: each within the
			// deadline, together past it.
			const released = sleep(EACH_LATE_MS).then(() => inObject(sku, (o) => o.d1.release()));
			const slow = slowD1(EACH_LATE_MS);
			const trail = await request(slow.db, "GET", path(sku), { token: ADMIN });
			await released;
			expectUnavailable(trail, what);
			// The flush answered within the deadline, so the read was asked; the answer did not
			// wait for it.
			expect(slow.calls).toHaveLength(1);
			expect(slow.answered()).toBe(0);
		});
	}

	it("eventual mode: its write gets what its read left of one deadline", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		const slow = slowD1(EACH_LATE_MS);
		const attempt = await request(slow.db, "POST", "/api/reservations", {
			token,
			body: { sku, mode: "eventual" },
		});
		expectUnavailable(attempt, "eventual mode");
		// The read answered within the deadline and the write was sent; the answer did not wait for it.
		expect(slow.calls).toEqual(["batch", "batch"]);
		expect(slow.answered()).toBe(1);
	});
});

describe("what D1 adds is optional", () => {
	it("stats answer without the eventual figure, create and sandbox without waiting for their catalogue row", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		const slower = slowD1(LATE_MS);
		const [stats, created, sandbox] = await Promise.all([
			request<{ total: number; eventual: unknown }>(
				slower.db,
				"GET",
				`/api/admin/products/${sku}/stats`,
				{ token: ADMIN },
			),
			request(slower.db, "POST", "/api/admin/products", {
				token: ADMIN,
				body: { sku: uniqueSku("LATE"), name: "x", priceCents: 1, currency: "USD", totalStock: 1 },
			}),
			request(slower.db, "POST", "/api/demo/sandbox", { token }),
		]);
		expect(stats.status, JSON.stringify(stats.body)).toBe(200);
		expect(stats.body.data).toMatchObject({ total: 5, eventual: null });
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		expect(sandbox.status, JSON.stringify(sandbox.body)).toBe(201);
		// Each asked D1 once and answered before D1 did.
		expect(slower.calls).toHaveLength(3);
		expect(slower.answered()).toBe(0);
		// The writes were not dropped: they went on after the answers, and D1 answered them.
		await Promise.all([created.settled(), sandbox.settled()]);
		expect(slower.answered()).toBeGreaterThanOrEqual(2);
	});
});
