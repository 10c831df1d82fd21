// A PATCH naming `shards` (docs/api.md, "Shards"): the count is fixed at create, so
// another count is refused 409 `invalid_state` and changes nothing (the other fields
// of that PATCH included); the current count is accepted; a count out of bounds is a
// 400 naming `shards`. Before, `shards` was dropped and the PATCH answered 200.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { call, createProduct, patch, stats, trail } from "./helpers.ts";
import { checkEscrow, createSharded, escrowOf, newShardBuyer, reserve } from "./shards-support.ts";

const product = async (sku: string) =>
	(await call<Product>("GET", `/api/products/${sku}`)).body.data;

describe("PATCH shards", () => {
	it("refuses another count on a split SKU and changes nothing", async () => {
		const sku = await createSharded(12, 4, 2);
		for (const shards of [1, 2, 8]) {
			const res = await patch(sku, { shards, name: "Renamed", totalStock: 20 });
			expect(res.status).toBe(409);
			expect(res.body.error?.code).toBe("invalid_state");
			expect(res.body.error?.message).toMatch(/shards cannot change: .* split across 4 objects/);
		}
		const after = await product(sku);
		expect(after?.shards).toBe(4);
		expect(after?.name).toBe("Split drop");
		expect(after?.totalStock).toBe(12);

		const same = await patch(sku, { shards: 4, name: "Renamed" });
		expect(same.status).toBe(200);
		expect(same.body.data?.shards).toBe(4);
		expect(same.body.data?.name).toBe("Renamed");
	});

	it("refuses splitting a SKU of one object", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const res = await patch(sku, { shards: 4 });
		expect(res.status).toBe(409);
		expect(res.body.error?.code).toBe("invalid_state");
		expect(res.body.error?.message).toContain("shards");
		expect((await product(sku))?.shards).toBe(1);
		expect((await patch(sku, { shards: 1 })).status).toBe(200);
	});

	it("answers a count out of bounds 400 naming shards", async () => {
		const sku = await createProduct({ totalStock: 5 });
		for (const shards of [0, 65, 2.5, "4", null]) {
			const res = await patch(sku, { shards, name: "Changed" });
			expect(res.status).toBe(400);
			expect(res.body.error?.message).toContain("shards");
		}
		expect((await product(sku))?.name).toBe("Test drop");
	});

	it("a refused totalStock cut (below what is held) changes nothing: no stock pulled back to the pool, no event", async () => {
		const sku = await createSharded(20, 3, 2);
		// A hold on some shard, so that a cut to 0 is below held + sold.
		const buyer = await newShardBuyer(3);
		expect((await reserve(buyer, sku)).status).toBe(201);
		const before = await stats(sku);
		checkEscrow(before);
		const eventsBefore = (await trail(sku)).length;
		for (const totalStock of [0, 0]) {
			const res = await patch(sku, { totalStock });
			expect(res.status).toBe(409);
			expect(res.body.error?.code).toBe("invalid_state");
		}
		const after = await stats(sku);
		checkEscrow(after);
		expect(escrowOf(after)).toEqual(escrowOf(before));
		expect((await trail(sku)).length).toBe(eventsBefore);
		// A cut the stock allows still goes through (taking back unsold allotments).
		const down = await patch(sku, { totalStock: 1 });
		expect(down.status).toBe(200);
		expect(down.body.data?.totalStock).toBe(1);
		checkEscrow(await stats(sku));
	});
});
