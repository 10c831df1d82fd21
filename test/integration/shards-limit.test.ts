// A session at its purchase limit on a SKU split across shards
// (docs/decisions/080-split-sku-limit-and-paged-recount.md): it is answered what one object
// answers it — 403 purchase_limit while the SKU has units anywhere, 409 sold_out once it has
// none (within EXHAUSTED_MEMO_MS, decision 092) — whether or not its own shard has a unit, and its refused attempt moves no unit
// between the shards (it would take none).

import { describe, expect, it, vi } from "vitest";
import { EXHAUSTED_MEMO_MS } from "../../src/domain/escrow.ts";
import type { Stats } from "../../src/shared/types.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, createProduct, newSession, stats } from "./helpers.ts";
import { buyersOnEveryShard, createSharded, reserve, type ShardBuyer } from "./shards-support.ts";

/** Where the units lie: each shard's allotment and available units, and the pool. */
function placement(s: Stats) {
	return {
		pool: s.pool,
		shards: (s.shards ?? []).map((x) => [x.index, x.allotment, x.available]),
	};
}

describe("a split SKU and a session at its purchase limit", { timeout: 60_000 }, () => {
	it("its own shard empty, another shard with units: 403 purchase_limit, and no unit moves; sold out everywhere: 409 sold_out", async () => {
		// 3 shards, 4 units, 1 per buyer: no first share, grants of 1, low-water mark 1
		// (src/domain/escrow.ts), so the steps below put the units where the test says.
		const sku = await createSharded(4, 3, 1, 600);
		const all = await buyersOnEveryShard(3, 4);
		const on = (shard: number) => all.filter((b) => b.shard === shard);
		const [a, b] = on(1) as [ShardBuyer, ShardBuyer];
		const [d, e, f] = on(2) as [ShardBuyer, ShardBuyer, ShardBuyer];

		// Shard 2 takes two units (d's and a low-water grant), then d gives its unit back.
		const dHold = await reserve(d, sku);
		expect(dHold.status, JSON.stringify(dHold.body)).toBe(201);
		await vi.waitFor(async () => expect((await stats(sku)).pool).toBe(2));
		// Shard 1 takes the other two (a's and a low-water grant), and b holds the second.
		expect((await reserve(a, sku)).status).toBe(201);
		await vi.waitFor(async () => expect((await stats(sku)).pool).toBe(0));
		expect((await reserve(b, sku)).status).toBe(201);
		const id = dHold.body.data?.reservationId as string;
		expect((await call("DELETE", `/api/reservations/${id}`, { token: d.token })).status).toBe(200);
		const before = await stats(sku);
		expect(placement(before)).toEqual({
			pool: 0,
			shards: [
				[0, 0, 0],
				[1, 2, 0],
				[2, 2, 2],
			],
		});

		// a is at its limit, its shard has no unit, shard 2 has two: what one object answers.
		for (const key of [undefined, crypto.randomUUID()]) {
			const again = await reserve(a, sku, key);
			expect(again.status, JSON.stringify(again.body)).toBe(403);
			expect(again.body.error?.code).toBe("purchase_limit");
		}
		// The refused attempts took no unit and moved none.
		const after = await stats(sku);
		expect(placement(after)).toEqual(placement(before));
		expect(after.rejected).toMatchObject({ purchase_limit: 2 });

		// Shard 2's buyers take the last two units: now the SKU is sold out, and a is told so
		// once shard 1's last count of the units elsewhere is past its bound (EXHAUSTED_MEMO_MS,
		// as every sold_out of a shard: docs/decisions/092-review-11-leftovers.md).
		expect((await reserve(e, sku)).status).toBe(201);
		expect((await reserve(f, sku)).status).toBe(201);
		await withHeldClock(async (setMs) => {
			setMs(Date.now() + EXHAUSTED_MEMO_MS);
			const soldOut = await reserve(a, sku, crypto.randomUUID());
			expect(soldOut.status, JSON.stringify(soldOut.body)).toBe(409);
			expect(soldOut.body.error?.code).toBe("sold_out");
		});
		const end = await stats(sku);
		expect(end).toMatchObject({ reserved: 4, available: 0, oversellCount: 0 });
	});

	it("one object answers as before: purchase_limit while units remain, sold_out when none do", async () => {
		const sku = await createProduct({ totalStock: 2, perUserLimit: 1 });
		const [a, b] = [await newSession(), await newSession()];
		const hold = (token: string) =>
			call("POST", "/api/reservations", {
				token,
				body: { sku },
				headers: { "idempotency-key": crypto.randomUUID() },
			});
		expect((await hold(a)).status).toBe(201);
		const limited = await hold(a);
		expect([limited.status, limited.body.error?.code]).toEqual([403, "purchase_limit"]);
		expect((await hold(b)).status).toBe(201);
		const gone = await hold(a);
		expect([gone.status, gone.body.error?.code]).toEqual([409, "sold_out"]);
	});
});
