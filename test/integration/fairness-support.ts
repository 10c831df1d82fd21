// A small drop for the fairness figures' tests (fairness-after-sleep, fairness-after-reset): rate
// limits on for the buyers' requests (ratelimit-support.ts), so the reserve guard judges their
// attempts; a failed attempt asks for 2 units of a limit-1 product (refused by the object, whatever
// the stock) with an Idempotency-Key (never answered from the edge's copy).

import { expect } from "vitest";
import type { FairnessStats } from "../../src/shared/types.ts";
import { stats } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import type { Buyer } from "./shards-support.ts";

export const attempt = (buyer: Buyer, sku: string, quantity: number) =>
	limited("POST", "/api/reservations", {
		ip: freshIp(),
		token: buyer.token,
		body: { sku, quantity },
		headers: { "idempotency-key": crypto.randomUUID() },
	});

/** One hold and `failing` sessions whose only attempt is refused. */
export async function drop(sku: string, holder: Buyer, failing: Buyer[]): Promise<void> {
	const held = await attempt(holder, sku, 1);
	expect(held.status, JSON.stringify(held.body)).toBe(201);
	for (const b of failing) {
		const refused = await attempt(b, sku, 2);
		expect(refused.status, JSON.stringify(refused.body)).not.toBe(201);
	}
}

export const fairnessOf = async (sku: string): Promise<FairnessStats> => {
	const f = (await stats(sku)).fairness;
	if (f === undefined) throw new Error("stats without fairness");
	return f;
};
