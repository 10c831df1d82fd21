// GET …/stats of a SKU split across shards during a burst (docs/api.md "Shards": the shards'
// allotments plus the pool equal totalStock; docs/decisions/167-sold-out-means-none-anywhere.md).
// The burst makes shards ask for grants and fold back all the time; every stats read taken
// meanwhile must add up: a grant issued between the coordinator's settle and its reads of
// the shards was once counted in neither the pool nor any allotment.

import { describe, expect, it } from "vitest";
import type { Stats } from "../../src/shared/types.ts";
import { stats } from "./helpers.ts";
import { buyers, checkEscrow, createSharded, reserve } from "./shards-support.ts";

const SHARDS = 8;
const STOCK = 200;
const BUYERS = 400;

describe("stats of a split SKU read during a burst", { timeout: 240_000 }, () => {
	it("always show the pool and the allotments adding up to the total", async () => {
		const sku = await createSharded(STOCK, SHARDS, 1, 600);
		const crowd = await buyers(BUYERS);
		let burstDone = false;
		const burst = (async () => {
			for (let i = 0; i < BUYERS; i += 100) {
				await Promise.all(crowd.slice(i, i + 100).map((b) => reserve(b, sku)));
			}
			burstDone = true;
		})();
		const reads: Stats[] = [];
		while (!burstDone) {
			reads.push(await stats(sku));
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		await burst;
		reads.push(await stats(sku));
		const off = reads
			.map((s) => ({
				total: s.total,
				pool: s.pool ?? 0,
				allotted: (s.shards ?? []).reduce((n, x) => n + x.allotment, 0),
			}))
			.filter((r) => r.pool + r.allotted !== r.total);
		expect({ reads: reads.length > 2, off }).toEqual({ reads: true, off: [] });
		for (const s of reads) checkEscrow(s);
		expect(reads.at(-1)?.reserved).toBe(STOCK);
	});
});
