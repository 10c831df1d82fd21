// A split reset that a shard does late keeps the attempts and refusals the new drop made there
// since the coordinator's reset, as it keeps the new drop's holds (decisions 134, 138;
// docs/decisions/144-reset-generations-late-counters-and-the-limiters-clock.md), and the decisions
// and commits that carried them (158). Before, it zeroed them: the stats showed a unit reserved
// with no attempt (then no decision) behind it. The old drop's, before the cut, are cleared as ever. The clock is held so that the cut falls in a second of its own (the
// shard tells the new drop's counts by its per-second history).

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { withHeldClock } from "./held-clock.ts";
import { stats } from "./helpers.ts";
import {
	buyersOnEveryShard,
	createSharded,
	heldOnShards,
	reserve,
	type ShardBuyer,
} from "./shards-support.ts";
import {
	coordinator,
	resetWithShardsUnreachable,
	withShardsUnreachable,
} from "./shards-unreachable.ts";

const SHARDS = 2;

/** One hold (201), then a second try the purchase limit of 1 refuses (403). */
async function holdThenRefused(buyer: ShardBuyer, sku: string): Promise<void> {
	expect((await reserve(buyer, sku)).status).toBe(201);
	expect((await reserve(buyer, sku)).status).toBe(403);
}

describe("a shard's late reset and the new drop's counters", { timeout: 60_000 }, () => {
	it("keeps the attempts and refusals made after the coordinator's reset, clears the earlier ones", async () => {
		const sku = await createSharded(20, SHARDS, 1, 3600);
		const onShard1 = (await buyersOnEveryShard(SHARDS, 2)).filter((b) => b.shard === 1);
		const [old, fresh] = onShard1 as [ShardBuyer, ShardBuyer];
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			await holdThenRefused(old, sku);
			setMs(t0 + 2_000);
			await resetWithShardsUnreachable(sku);
			setMs(t0 + 4_000);
			// The new drop on shard 1 before the reset reaches it (still unreachable from the
			// coordinator, so its own alarm cannot deliver the reset early).
			await withShardsUnreachable(sku, () => holdThenRefused(fresh, sku));
			setMs(t0 + 6_000);
			await runDurableObjectAlarm(coordinator(sku));
			expect(await heldOnShards(sku, SHARDS)).toBe(1);
			const s = await stats(sku);
			expect({ attempts: s.attempts, rejected: s.rejected, reserved: s.reserved }).toEqual({
				attempts: 2,
				rejected: { purchase_limit: 1 },
				reserved: 1,
			});
			// And the decisions and commits behind them (decision 158): before, both were zeroed.
			expect({ decisions: s.decisions, commits: s.commits }).toEqual({ decisions: 2, commits: 1 });
			expect(s.shards?.[1]?.decisions).toBe(2);
		});
	});
});
