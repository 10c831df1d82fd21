// GET …/metrics of a split SKU while a shard cannot answer or after it restarted, and two reads
// close together (docs/metrics.md, "A split SKU"; docs/decisions/158-a-split-skus-metrics-and-its-shards.md).
// Before: a shard that failed its call made the read fail, every read asked every shard, and a
// restarted shard's lost seconds were missing from the series with nothing said. Now the figures
// are the answering shards', with the others named in `missingShards`; a read within
// METRICS_REUSE_MS of a gathering is answered from it without a call; `historyFrom` says from
// when the series holds every object's seconds.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
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

describe("split SKU metrics with a shard down or restarted", { timeout: 60_000 }, () => {
	it("answer the shards that answered and name the others, instead of failing the read", async () => {
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

	it("say from when the series is whole once a shard restarted and lost its seconds", async () => {
		const sku = await busySku();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const before = await metrics(sku);
			expect(attempts(before)).toBe(2 * SHARDS);
			expect(Date.parse(before.historyFrom ?? "")).toBeLessThanOrEqual(t0);
			setMs(t0 + 5_000);
			// Shard 1 restarts as after a crash: its storage kept, its memory (the history) gone.
			const shard1 = env.INVENTORY.get(env.INVENTORY.idFromName(shardName(sku, 1)));
			await runInDurableObject(shard1, (_instance, state) => {
				state.abort("crashed by the test");
			}).catch(() => {});
			const after = await metrics(sku);
			expect(attempts(after)).toBe(2 * (SHARDS - 1));
			expect(after.missingShards).toBeUndefined();
			expect(after.historyFrom).toBe(new Date(t0 + 5_000).toISOString());
		});
	});

	it("say from when a SKU in one object has its history", async () => {
		const t0 = Date.now();
		const sku = await createSharded(10, 1, 1);
		const m = await metrics(sku);
		expect(m.shards).toBe(1);
		// The object started for this test's create: its history begins then.
		const fromMs = Date.parse(m.historyFrom ?? "");
		expect(fromMs).toBeGreaterThanOrEqual(t0);
		expect(fromMs).toBeLessThanOrEqual(Date.now());
	});
});
