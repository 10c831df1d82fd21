// What the fairness figures cover once the SKU's object has slept (docs/waiting-room.md, "What the
// figures keep when the object sleeps"; docs/decisions/193-fairness-counted-since-the-object-woke.md):
// workerd evicts an idle object and its reserve guard forgets the sessions whose attempts all
// failed, so the stats say since when they count (`countedSince`) and that attempts came before
// (`partial`). The drop, with rate limits on so the guard judges its attempts: fairness-support.ts.

import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drop, fairnessOf } from "./fairness-support.ts";
import { createProduct, stats } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import { type Buyer, createSharded, newBuyer, newShardBuyer } from "./shards-support.ts";

describe("the fairness figures after the SKU object sleeps", { timeout: 60_000 }, () => {
	it("say since when they count and that attempts came before", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 1 });
		const [holder, ...failing] = await Promise.all([newBuyer(), newBuyer(), newBuyer()]);
		await drop(sku, holder as Buyer, failing);
		const awake = await fairnessOf(sku);
		// Every session that asked, and nothing decided before the guard's memory began.
		expect(awake).toMatchObject({ sessions: 3, units: 1, jainIndex: 1 / 3, partial: false });

		const evictedAtMs = Date.now();
		await evictDurableObject(shardStub(sku, 0));
		const s = await stats(sku);
		// The counters kept the attempts; the guard forgot the two that failed.
		expect(s.attempts).toBe(3);
		expect(s.fairness).toMatchObject({ sessions: 1, units: 1, jainIndex: 1, partial: true });
		// Counted since the object woke, after the eviction.
		expect(Date.parse(s.fairness?.countedSince ?? "")).toBeGreaterThanOrEqual(evictedAtMs);
	});

	it("on a split SKU: since the latest start of its objects, partial when the coordinator forgot", async () => {
		const sku = await createSharded(4, 2, 1);
		// Every attempt on shard 1: the coordinator (shard 0) decides none of them.
		const onShard1: Buyer[] = [];
		while (onShard1.length < 3) {
			const b = await newShardBuyer(2);
			if (b.shard === 1) onShard1.push(b);
		}
		const [holder, ...failing] = onShard1;
		await drop(sku, holder as Buyer, failing);
		expect(await fairnessOf(sku)).toMatchObject({ sessions: 3, units: 1, partial: false });

		// The coordinator alone restarts: shard 1 still knows its sessions, but reads reach the
		// coordinator, so what it knew of those sessions before is gone.
		const coordinatorEvictedAtMs = Date.now();
		await evictDurableObject(shardStub(sku, 0));
		const coordinatorWoke = await fairnessOf(sku);
		expect(coordinatorWoke).toMatchObject({ sessions: 3, units: 1, partial: true });
		expect(Date.parse(coordinatorWoke.countedSince)).toBeGreaterThanOrEqual(coordinatorEvictedAtMs);

		// Both sleep: shard 1's guard forgets the failed sessions too.
		const evictedAtMs = Date.now();
		await evictDurableObject(shardStub(sku, 1));
		await evictDurableObject(shardStub(sku, 0));
		const s = await stats(sku);
		expect(s.attempts).toBe(3);
		expect(s.fairness).toMatchObject({ sessions: 1, units: 1, partial: true });
		expect(Date.parse(s.fairness?.countedSince ?? "")).toBeGreaterThanOrEqual(evictedAtMs);
	});
});
