// Durability end to end: `kill -9` of the whole `npm start` process group in the middle of a burst
// of reserves, then a restart on the same state directory. Every hold that was acknowledged (201)
// is still held, and the SKU's counters agree with the holds. The attempts the crash cut off have
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

type Stats = {
	total: number;
	available: number;
	reserved: number;
	sold: number;
	oversellCount: number;
};

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
		const holds = await recoverAfterCrash(second, sku, burst);

		const stats = await api<Stats>(second, "GET", `/api/admin/products/${sku}/stats`, {
			token: second.adminToken,
		});
		expect(stats.status).toBe(200);
		const counters = stats.body.data as Stats;
		const held = holds.reduce((sum, hold) => sum + hold.quantity, 0);
		expect(counters.reserved).toBe(held);
		expect(counters.sold).toBe(0);
		expect(counters.available + counters.reserved + counters.sold).toBe(counters.total);
		expect(counters.total).toBe(TOTAL_STOCK);
		expect(counters.oversellCount).toBe(0);
	});
});
