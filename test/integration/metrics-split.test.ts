// GET …/metrics of a SKU split across shards is the whole SKU's (docs/metrics.md,
// docs/decisions/153-split-sku-metrics.md): the coordinator adds up every shard's seconds on the
// read, so the decisions of every shard are in the series and its histograms.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import {
	HISTORY_SECONDS,
	histogramPercentile,
	LATENCY_BUCKETS,
	type RingSecond,
} from "../../src/domain/timeseries.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { SkuMetrics, Stats } from "../../src/shared/types.ts";
import { ADMIN, call } from "./helpers.ts";
import { buyersOnEveryShard, createSharded, reserve } from "./shards-support.ts";

const SHARDS = 4;

/** One object's decided seconds (shard 0: the coordinator's own), read inside it. */
async function decidedSeconds(sku: string, index: number, nowMs: number): Promise<RingSecond[]> {
	const name = index === 0 ? sku : shardName(sku, index);
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(name));
	return runInDurableObject(stub, (instance: InventoryObject) => {
		const part = instance.shardMetrics(nowMs, HISTORY_SECONDS);
		if (part === null) throw new Error(`no metrics on ${name}`);
		return part.seconds;
	});
}

describe("split SKU metrics", () => {
	it("count every shard's decisions, the histograms' counts equal to the SKU's decisions", async () => {
		const sku = await createSharded(100, SHARDS, 1);
		const crowd = await buyersOnEveryShard(SHARDS, 3);
		// Each buyer twice: a hold, then the purchase limit's refusal, both decided on its shard.
		for (const b of crowd) expect((await reserve(b, sku)).status).toBe(201);
		for (const b of crowd) expect((await reserve(b, sku)).body.error?.code).toBe("purchase_limit");

		const stats = (await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN }))
			.body.data as Stats;
		const perShard = (stats.shards ?? []).map((s) => s.decisions);
		expect(perShard).toHaveLength(SHARDS);
		for (const n of perShard) expect(n).toBe(6);
		expect(stats.attempts).toBe(2 * crowd.length);

		const res = await call<SkuMetrics>(
			"GET",
			`/api/admin/products/${sku}/metrics?seconds=${HISTORY_SECONDS}`,
			{ token: ADMIN },
		);
		expect(res.status).toBe(200);
		const m = res.body.data as SkuMetrics;
		// Before: shard 0's six decisions only.
		expect(m.series.reduce((n, p) => n + p.attempts, 0)).toBe(stats.attempts);
		expect(m.shards).toBe(SHARDS);
		expect(m.series.reduce((n, p) => n + p.rejected, 0)).toBe(crowd.length);
		expect(m.window.rejectedByCode).toEqual({ purchase_limit: crowd.length });

		// Each object's histogram holds its own decisions; the answer's percentiles are those of
		// their sum, so every decision of the SKU is in them once.
		const nowMs = Date.now();
		const total = new Array<number>(LATENCY_BUCKETS).fill(0);
		let maxMs = 0;
		for (let i = 0; i < SHARDS; i++) {
			const seconds = await decidedSeconds(sku, i, nowMs);
			let samples = 0;
			for (const s of seconds) {
				s.latency.forEach((n, b) => {
					total[b] = (total[b] as number) + n;
					samples += n;
				});
				maxMs = Math.max(maxMs, s.maxMs);
			}
			expect(samples).toBe(perShard[i]);
		}
		expect(total.reduce((a, b) => a + b, 0)).toBe(stats.attempts);
		expect(m.window.latencyMsP50).toBe(histogramPercentile(total, 50, maxMs));
		expect(m.window.latencyMsP95).toBe(histogramPercentile(total, 95, maxMs));
		expect(m.window.latencyMsP99).toBe(histogramPercentile(total, 99, maxMs));
	});
});
