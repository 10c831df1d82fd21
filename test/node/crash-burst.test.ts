// Durability end to end: `kill -9` of the whole `npm start` process group in the middle of a burst
// of reserves, then a restart on the same state directory. Every hold that was acknowledged (201)
// is still held, and the counters the object rebuilt from its state row (what availability shows
// and what every later decision uses) agree with the hold records, as read by the stats, and with
// the holds the client counted. The attempts the crash cut off have
// no known outcome; each is settled afterwards by sending it again with its Idempotency-Key (the
// stored outcome if it was decided before the crash, a fresh decision otherwise), so the expected
// total is exact rather than a bound.
import { afterAll, describe, expect, it } from "vitest";
import { burstUntilCrash, recoverAfterCrash } from "../support/crash-burst.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

/** Reserve loops running at once, one session each. */
const LOOPS = 32;
/** The crash comes once this many holds were acknowledged, with every loop still sending. */
const ACKS_BEFORE_CRASH = 300;
/** Far more than the burst can take, so every attempt is a hold (no sold-out noise). */
const TOTAL_STOCK = 100_000;
/** An hour: no hold expires between the crash and the checks. */
const HOLD_SECONDS = 3_600;
/** MAX_PER_USER_LIMIT (src/domain/bounds.ts): the limit never binds during the burst. */
const PER_USER_LIMIT = 1_000;

type Counters = { total: number; available: number; reserved: number; sold: number };
type Stats = Counters & { oversellCount: number };

describe("kill -9 of npm start during a burst of reserves", () => {
	let server: TestServer | undefined;
	// The first server owns the state directory: the file's teardown removes it with that server
	// (test/support/node-setup.ts), whichever one is running at the end.
	afterAll(async () => {
		await server?.dispose();
	});

	it("keeps every acknowledged hold, and the counters agree with the holds", async () => {
		const first = await startServer();
		server = first;
		const sku = `CRASH-${Date.now()}`;
		const created = await api(first, "POST", "/api/admin/products", {
			token: first.adminToken,
			body: {
				sku,
				name: "Crash burst",
				priceCents: 100,
				currency: "USD",
				totalStock: TOTAL_STOCK,
				holdSeconds: HOLD_SECONDS,
				perUserLimit: PER_USER_LIMIT,
			},
		});
		expect(created.status).toBe(201);
		const tokens = await Promise.all(Array.from({ length: LOOPS }, () => newBuyer(first)));

		const burst = await burstUntilCrash(first, sku, tokens, ACKS_BEFORE_CRASH);

		const second = await startServer({ stateDir: first.stateDir });
		server = second;
		// The stats count the hold records (src/inventory/stats.ts); availability and the product
		// show the object's counters, rebuilt from its state row after the restart. Stock is
		// plentiful, so a counter that lost the last batch would never show as an oversell: it is
		// compared unit for unit.
		const records = async () => {
			const res = await api<Stats>(second, "GET", `/api/admin/products/${sku}/stats`, {
				token: second.adminToken,
			});
			expect(res.status).toBe(200);
			return res.body.data as Stats;
		};
		const unitsOf = (c: Counters) => ({
			total: c.total,
			available: c.available,
			reserved: c.reserved,
			sold: c.sold,
		});
		// Right after the restart, before any new decision: the first read of this process is the
		// object's answer, not an edge copy (src/worker/edge-snapshot.ts).
		const rebuilt = await api<Counters>(second, "GET", `/api/products/${sku}/availability`);
		expect(rebuilt.status).toBe(200);
		const recordsAtRestart = await records();
		expect(unitsOf(rebuilt.body.data as Counters)).toEqual(unitsOf(recordsAtRestart));
		// Every acknowledged hold, plus any cut-off attempt the object decided before it died.
		const units = (list: { quantity: number }[]) => list.reduce((sum, a) => sum + a.quantity, 0);
		expect(recordsAtRestart.reserved).toBeGreaterThanOrEqual(units(burst.holds));
		expect(recordsAtRestart.reserved).toBeLessThanOrEqual(units(burst.holds) + units(burst.cutOff));

		const holds = await recoverAfterCrash(second, sku, burst);
		const held = units(holds);
		const stats = await records();
		expect(stats.reserved).toBe(held);
		expect(stats.sold).toBe(0);
		expect(stats.available).toBeGreaterThanOrEqual(0);
		expect(stats.total).toBe(TOTAL_STOCK);
		expect(stats.oversellCount).toBe(0);
		// The product is always read from the object (src/worker/routes/products.ts).
		const product = await api<{ availability: Counters }>(second, "GET", `/api/products/${sku}`);
		expect(product.status).toBe(200);
		expect(unitsOf(product.body.data?.availability as Counters)).toEqual(unitsOf(stats));
	});
});
