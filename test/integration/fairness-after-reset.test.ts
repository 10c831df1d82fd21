// The fairness figures after a reset are the new drop's (docs/waiting-room.md, "Fairness the
// server can see"): the sessions that asked before the reset, whose holds it deleted, no longer
// count as asking, though the reserve guard still tracks them (their limits' windows and signals
// stay). Rate limits on for the buyers' requests (ratelimit-support.ts), so the guard judges
// their attempts; a failed attempt asks for 2 units of a limit-1 product (refused by the object).

import { describe, expect, it } from "vitest";
import type { FairnessStats } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, stats } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { type Buyer, createSharded, newBuyer } from "./shards-support.ts";

const attempt = (buyer: Buyer, sku: string, quantity: number) =>
	limited("POST", "/api/reservations", {
		ip: freshIp(),
		token: buyer.token,
		body: { sku, quantity },
		headers: { "idempotency-key": crypto.randomUUID() },
	});

/** One hold and `failing` sessions whose only attempt is refused. */
async function drop(sku: string, holder: Buyer, failing: Buyer[]): Promise<void> {
	const held = await attempt(holder, sku, 1);
	expect(held.status, JSON.stringify(held.body)).toBe(201);
	for (const b of failing) {
		const refused = await attempt(b, sku, 2);
		expect(refused.status, JSON.stringify(refused.body)).not.toBe(201);
	}
}

const fairnessOf = async (sku: string): Promise<FairnessStats> => {
	const f = (await stats(sku)).fairness;
	if (f === undefined) throw new Error("stats without fairness");
	return f;
};

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
