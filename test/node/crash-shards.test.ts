// A SKU split across 8 escrow shards (docs/decisions/020-escrow-shards.md), `kill -9` of
// the whole `npm start` process group in the middle of a burst of reserves, then a
// restart on the same state directory. The stock is small enough that shards ask for
// grants and fold back during the burst, so the crash can fall between any two steps
// of a transfer. After the restart: every acknowledged hold is still held, the
// cut-off attempts settle by their Idempotency-Key, allotments plus pool equal the
// stock with no shard over its allotment, and the drop then sells every remaining
// unit — none lost in a transfer the crash interrupted. The stats and availability of a split
// SKU are counted from each shard's hold records (src/inventory/stats.ts shardCounters), so the
// counters each shard rebuilt from its state row show only through its decisions: the sell-out
// checks them, as a shard that under-counted would sell past its allotment and one that
// over-counted would leave units unsold.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { Stats } from "../../src/shared/types.ts";
import { burstUntilCrash, recoverAfterCrash } from "../support/crash-burst.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const SHARDS = 8;
/** Reserve loops running at once, one session each (spread over the shards by hash). */
const LOOPS = 32;
/** The crash comes once this many holds were acknowledged, with every loop still sending. */
const ACKS_BEFORE_CRASH = 250;
/** Small: the burst needs grants beyond the first allotments (half the stock starts in the pool). */
const TOTAL_STOCK = 1_000;
/** An hour: no hold expires between the crash and the checks. */
const HOLD_SECONDS = 3_600;
/** MAX_PER_USER_LIMIT (src/domain/bounds.ts): the limit never binds. */
const PER_USER_LIMIT = 1_000;
/** After a sold_out, a buyer tries again after the shard's sold-out memo (EXHAUSTED_MEMO_MS) has passed. */
const SOLD_OUT_PAUSE_MS = 150;
const SOLD_OUT_TRIES = 3;

function checkEscrow(s: Stats): void {
	const shards = s.shards ?? [];
	expect(shards).toHaveLength(SHARDS);
	expect(shards.reduce((n, x) => n + x.allotment, 0) + (s.pool ?? 0)).toBe(s.total);
	for (const x of shards) expect(x.reserved + x.sold).toBeLessThanOrEqual(x.allotment);
	// available is total − reserved − sold by construction (src/inventory/split-sku-views.ts),
	// so the sum is no check; what can fail is a negative remainder.
	expect(s.available).toBeGreaterThanOrEqual(0);
	expect(s.oversellCount).toBe(0);
}

describe("kill -9 of npm start during a burst on a SKU split across shards", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.stop();
		if (server) rmSync(server.stateDir, { recursive: true, force: true });
	});

	it("keeps every acknowledged hold, loses no unit in a transfer, and sells out after the restart", async () => {
		const first = await startServer();
		server = first;
		const sku = `CRASH-SH-${Date.now()}`;
		const created = await api(first, "POST", "/api/admin/products", {
			token: first.adminToken,
			body: {
				sku,
				name: "Crash burst, split",
				priceCents: 100,
				currency: "USD",
				totalStock: TOTAL_STOCK,
				holdSeconds: HOLD_SECONDS,
				perUserLimit: PER_USER_LIMIT,
				shards: SHARDS,
			},
		});
		expect(created.status).toBe(201);
		const tokens = await Promise.all(
			Array.from({ length: LOOPS }, async () => {
				const session = await api<{ token: string }>(first, "POST", "/api/sessions", {
					body: { turnstileToken: first.debugToken },
				});
				expect(session.status).toBe(201);
				return session.body.data?.token ?? "";
			}),
		);

		const burst = await burstUntilCrash(first, sku, tokens, ACKS_BEFORE_CRASH);

		const second = await startServer({ stateDir: first.stateDir });
		server = second;
		const holds = await recoverAfterCrash(second, sku, burst);

		const readStats = async () => {
			const res = await api<Stats>(second, "GET", `/api/admin/products/${sku}/stats`, {
				token: second.adminToken,
			});
			expect(res.status).toBe(200);
			return res.body.data as Stats;
		};
		const afterCrash = await readStats();
		checkEscrow(afterCrash);
		const held = holds.reduce((sum, hold) => sum + hold.quantity, 0);
		expect(afterCrash.reserved).toBe(held);
		expect(afterCrash.total).toBe(TOTAL_STOCK);

		// The rest of the drop on the restarted server: every unit, including any that was in
		// a transfer when the process died, reaches a buyer.
		await Promise.all(
			tokens.map(async (token) => {
				for (let soldOut = 0; soldOut < SOLD_OUT_TRIES; ) {
					const res = await api(second, "POST", "/api/reservations", {
						token,
						body: { sku, quantity: 1 },
					});
					if (res.status === 201) continue;
					expect(res.status, JSON.stringify(res.body)).toBe(409);
					soldOut += 1;
					await new Promise((r) => setTimeout(r, SOLD_OUT_PAUSE_MS));
				}
			}),
		);
		const end = await readStats();
		checkEscrow(end);
		expect(end.reserved).toBe(TOTAL_STOCK);
		expect(end.available).toBe(0);
	});
});
