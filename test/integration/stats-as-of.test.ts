// The stats answer's `asOf` (docs/api.md, an extension): when the SKU's object read the
// counters, or a split SKU's coordinator asked its shards, on the object's clock as a live
// frame's `asOf`, so that the console can keep the newer of the two
// (src/web/console/counters-choice.ts).

import { describe, expect, it } from "vitest";
import { createProduct, stats } from "./helpers.ts";
import { buyers, createSharded, reserve } from "./shards-support.ts";

async function asOfWithin(
	sku: string,
): Promise<{ asOfMs: number; beforeMs: number; afterMs: number }> {
	const beforeMs = Date.now();
	const s = await stats(sku);
	const afterMs = Date.now();
	expect(typeof s.asOf).toBe("string");
	return { asOfMs: Date.parse(s.asOf), beforeMs, afterMs };
}

describe("the stats answer's asOf", () => {
	it("is when the object read the counters, on a SKU in one object", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const { asOfMs, beforeMs, afterMs } = await asOfWithin(sku);
		expect(asOfMs).toBeGreaterThanOrEqual(beforeMs);
		expect(asOfMs).toBeLessThanOrEqual(afterMs);
	});

	it("is when the coordinator asked its shards, on a split SKU, and moves on with them", async () => {
		const sku = await createSharded(40, 4, 1);
		const first = await asOfWithin(sku);
		expect(first.asOfMs).toBeGreaterThanOrEqual(first.beforeMs);
		expect(first.asOfMs).toBeLessThanOrEqual(first.afterMs);
		const [buyer] = await buyers(1);
		if (buyer === undefined) throw new Error("no buyer");
		const res = await reserve(buyer, sku);
		expect(res.status).toBe(201);
		const second = await asOfWithin(sku);
		expect(second.asOfMs).toBeGreaterThanOrEqual(first.asOfMs);
		expect(second.asOfMs).toBeGreaterThanOrEqual(second.beforeMs);
	});
});
