// GET …/metrics of a split SKU while a shard cannot answer, and two reads close together
// (docs/metrics.md, "A split SKU"; docs/decisions/158-a-split-skus-metrics-with-a-shard-down.md).
// Before: a shard that failed its call made the read a 503, and every read asked every shard.
// Now the figures are the answering shards', with the others named in `missingShards`, and a
// read within METRICS_REUSE_MS of a gathering is answered from it without a call.

import { describe, expect, it } from "vitest";
import { HISTORY_SECONDS } from "../../src/domain/timeseries.ts";
import { METRICS_REUSE_MS } from "../../src/inventory/split-metrics.ts";
import type { SkuMetrics } from "../../src/shared/types.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call } from "./helpers.ts";
import { buyersOnEveryShard, createSharded, reserve } from "./shards-support.ts";
import { withShardsUnreachable } from "./shards-unreachable.ts";

const SHARDS = 3;

async function metrics(sku: string): Promise<SkuMetrics> {
	const res = await call<SkuMetrics>(
		"GET",
		`/api/admin/products/${sku}/metrics?seconds=${HISTORY_SECONDS}`,
		{ token: ADMIN },
	);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as SkuMetrics;
}

const attempts = (m: SkuMetrics) => m.series.reduce((n, p) => n + p.attempts, 0);

/** A split SKU with two holds decided on each of its shards. */
async function busySku(): Promise<string> {
	const sku = await createSharded(100, SHARDS, 1);
	const crowd = await buyersOnEveryShard(SHARDS, 2);
	for (const b of crowd) expect((await reserve(b, sku)).status).toBe(201);
	return sku;
}

describe("split SKU metrics with a shard down", { timeout: 60_000 }, () => {
	it("answer the shards that answered and name the others, instead of a 503", async () => {
		const sku = await busySku();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const m = await withShardsUnreachable(sku, () => metrics(sku));
			expect(m.shards).toBe(SHARDS);
			expect(m.missingShards).toEqual([1, 2]);
			// Shard 0's own two decisions only.
			expect(attempts(m)).toBe(2);
			// Once the shards answer again, the next gathering has them all.
			setMs(t0 + METRICS_REUSE_MS);
			const whole = await metrics(sku);
			expect(whole.missingShards).toBeUndefined();
			expect(attempts(whole)).toBe(2 * SHARDS);
		});
	});

	it("answer a read within a second of the last from its gathering, without asking the shards", async () => {
		const sku = await busySku();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const first = await metrics(sku);
			expect(attempts(first)).toBe(2 * SHARDS);
			setMs(t0 + METRICS_REUSE_MS - 1);
			// The shards cannot be reached now: a read that asked them would miss them.
			const again = await withShardsUnreachable(sku, () => metrics(sku));
			expect(again.missingShards).toBeUndefined();
			expect(attempts(again)).toBe(2 * SHARDS);
			expect(again.series.at(-1)?.at).toBe(first.series.at(-1)?.at);
			// A shorter span is read from the same gathering.
			const res = await withShardsUnreachable(sku, () =>
				call<SkuMetrics>("GET", `/api/admin/products/${sku}/metrics?seconds=60`, { token: ADMIN }),
			);
			expect(res.body.data?.series).toHaveLength(60);
			expect(res.body.data?.missingShards).toBeUndefined();
			setMs(t0 + METRICS_REUSE_MS);
			const later = await withShardsUnreachable(sku, () => metrics(sku));
			expect(later.missingShards).toEqual([1, 2]);
		});
	});
});
