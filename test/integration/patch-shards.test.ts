// A PATCH naming `shards` (docs/api.md, "Shards"): the count is fixed at create, so
// another count is refused 409 `invalid_state` and changes nothing (the other fields
// of that PATCH included); the current count is accepted; a count out of bounds is a
// 400 naming `shards`. Before, `shards` was dropped and the PATCH answered 200.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct } from "./helpers.ts";
import { createSharded } from "./shards-support.ts";

const patch = (sku: string, body: unknown) =>
	call<Product>("PATCH", `/api/admin/products/${sku}`, { token: ADMIN, body });
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
});
