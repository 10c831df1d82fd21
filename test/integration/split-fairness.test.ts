// The fairness figures of a SKU split across shards (docs/waiting-room.md, "Fairness
// the server can see"; src/inventory/split-sku-views.ts mergedFairness), through the
// real Worker inside workerd: the coordinator's room tickets and the units each shard
// holds give the same `fairness` block as the same sessions and units in one object.
// This pool runs without rate limits, so the bot signals' groups are absent
// (test/unit/split-fairness.test.ts merges them).

import { describe, expect, it, vi } from "vitest";
import type { FairnessStats, Reservation, Ticket } from "../../src/shared/types.ts";
import { pay } from "./checkout-support.ts";
import { call, stats, uniqueSku } from "./helpers.ts";
import { createRoomProduct, ticketOf } from "./room-support.ts";
import { buyersOnEveryShard, type ShardBuyer } from "./shards-support.ts";

const SHARDS = 4;

/**
 * The figures without the time they count since: each SKU's objects started when it was created
 * (decision 193), so the two SKUs' `countedSince` differ by the moments between.
 */
function figures(f: FairnessStats | undefined): Omit<FairnessStats, "countedSince"> | undefined {
	if (f === undefined) return undefined;
	const { countedSince: _, ...rest } = f;
	return rest;
}

async function createDrop(sku: string, shards: number | undefined): Promise<void> {
	const product = await createRoomProduct(
		{ totalStock: 4, perUserLimit: 1, ...(shards === undefined ? {} : { shards }) },
		{},
		sku,
		"Fairness across shards",
	);
	expect(product.shards ?? 1).toBe(shards ?? 1);
}

describe("fairness figures of a SKU split across shards", { timeout: 90_000 }, () => {
	it("equal what the same sessions and units give in one object", async () => {
		const split = uniqueSku("FSPLIT");
		const single = uniqueSku("FONE");
		await createDrop(split, SHARDS);
		await createDrop(single, undefined);
		// Before anyone asks, both report the empty block (not a missing one).
		const empty = (await stats(single)).fairness;
		expect(empty).toMatchObject({ sessions: 0, units: 0, jainIndex: null, partial: false });
		expect(figures((await stats(split)).fairness)).toEqual(figures(empty));

		const buyers = await buyersOnEveryShard(SHARDS, 2);
		// The rooms started at once: tickets queue in arrival order, the first four (one
		// per shard) are admitted by the four units, the other four wait.
		for (const sku of [split, single])
			for (const b of buyers) {
				const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, {
					token: b.token,
				});
				expect(joined.status).toBe(201);
			}
		const admitted = buyers.slice(0, SHARDS);
		for (const sku of [split, single])
			for (const [i, b] of admitted.entries()) {
				await vi.waitFor(async () => expect((await ticketOf(sku, b)).state).toBe("admitted"), {
					timeout: 5000,
					interval: 100,
				});
				const res = await call<Reservation>("POST", "/api/reservations", {
					token: b.token,
					body: { sku },
				});
				expect(res.status, JSON.stringify(res.body)).toBe(201);
				// Half the units paid: held and sold both count.
				if (i % 2 === 0) {
					const paid = await pay(b.token, res.body.data?.reservationId as string, "pm_card_visa");
					expect(paid.status).toBe(200);
				}
			}
		// A waiting session's attempt is refused on its shard and adds no unit.
		const waiting = buyers[SHARDS] as ShardBuyer;
		const refused = await call("POST", "/api/reservations", {
			token: waiting.token,
			body: { sku: split },
		});
		expect(refused.status).toBe(429);

		const s = await stats(split);
		// The units sit in every shard, so every shard's summary counted.
		expect(s.shards?.map((line) => line.reserved + line.sold)).toEqual([1, 1, 1, 1]);
		expect(s).toMatchObject({ reserved: 2, sold: 2, oversellCount: 0 });
		const one = (await stats(single)).fairness;
		expect(figures(s.fairness)).toEqual(figures(one));
		// Neither object slept: nothing decided before their guards' memory (decision 193).
		expect([s.fairness?.partial, one?.partial]).toEqual([false, false]);
		expect(s.fairness).toMatchObject({
			sessions: 8,
			units: 4,
			sessionsWithUnits: 4,
			unitsPerAdmission: 1,
			signals: false,
		});
		// Jain over four 1s and four 0s: 16 / (8 · 4).
		expect(s.fairness?.jainIndex).toBeCloseTo(0.5);
	});
});
