// The fairness figures after a reset are the new drop's (docs/waiting-room.md, "Fairness the
// server can see"): the sessions that asked before the reset, whose holds it deleted, no longer
// count as asking, though the reserve guard still tracks them (their limits' windows and signals
// stay). The drop, with rate limits on so the guard judges its attempts: fairness-support.ts.

import { describe, expect, it } from "vitest";
import { attempt, drop, fairnessOf } from "./fairness-support.ts";
import { ADMIN, call, createProduct } from "./helpers.ts";
import { type Buyer, createSharded, newBuyer } from "./shards-support.ts";

async function reset(sku: string): Promise<void> {
	const res = await call("POST", `/api/admin/products/${sku}/reset`, {
		token: ADMIN,
		headers: { "idempotency-key": crypto.randomUUID() },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe("the fairness figures after a reset", { timeout: 60_000 }, () => {
	it("count only the sessions that asked since the reset", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 1 });
		const [holder, ...failing] = await Promise.all([newBuyer(), newBuyer(), newBuyer()]);
		await drop(sku, holder as Buyer, failing);
		expect(await fairnessOf(sku)).toMatchObject({ sessions: 3, units: 1, jainIndex: 1 / 3 });

		await reset(sku);
		// Nobody has asked in the new drop: the hold is gone, and so are the failed attempts.
		expect(await fairnessOf(sku)).toMatchObject({
			sessions: 0,
			units: 0,
			jainIndex: null,
			partial: false,
		});

		// One of the earlier sessions asks again and fails: it alone asks in the new drop.
		const again = await attempt(failing[0] as Buyer, sku, 2);
		expect(again.status, JSON.stringify(again.body)).not.toBe(201);
		expect(await fairnessOf(sku)).toMatchObject({ sessions: 1, units: 0, jainIndex: null });
		// The holder holds again: two sessions, one unit.
		expect((await attempt(holder as Buyer, sku, 1)).status).toBe(201);
		expect(await fairnessOf(sku)).toMatchObject({ sessions: 2, units: 1, jainIndex: 1 / 2 });
	});

	it("on a split SKU, on every shard", async () => {
		const sku = await createSharded(6, 2, 1);
		const buyers = await Promise.all([newBuyer(), newBuyer(), newBuyer(), newBuyer()]);
		const [holder, ...failing] = buyers;
		await drop(sku, holder as Buyer, failing);
		expect(await fairnessOf(sku)).toMatchObject({ sessions: 4, units: 1 });

		await reset(sku);
		// The shards' part of the reset may come after its answer: the figures follow it.
		await expect
			.poll(async () => (await fairnessOf(sku)).sessions, { timeout: 20_000, interval: 200 })
			.toBe(0);
		expect(await fairnessOf(sku)).toMatchObject({ units: 0, jainIndex: null });
	});
});
