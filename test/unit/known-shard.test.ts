// The edge's shard check for ids that name one (src/worker/known-shard.ts): a real shard goes on,
// a made-up one is 404 `not_found`, and the only object ever asked is the SKU's own (shard 0),
// once per SKU: never the shard the id names.
import { describe, expect, it } from "vitest";
import { ApiError, type Ctx } from "../../src/worker/http.ts";
import { requireKnownShard } from "../../src/worker/known-shard.ts";

/** A context whose SKU objects answer `count` (null: no product), recording which were reached. */
function fakeCtx(count: number | null) {
	const reached: string[] = [];
	const ns = {
		idFromName: (name: string) => name,
		get: (id: string) => {
			reached.push(id);
			return { shardCount: async () => count };
		},
	};
	return { c: { env: { INVENTORY: ns } } as unknown as Ctx, reached };
}

const refused = (p: Promise<void>) =>
	p.then(
		() => null,
		(e: unknown) => (e instanceof ApiError ? e.code : String(e)),
	);

describe("requireKnownShard", () => {
	it("lets shard 0 and the shards of a split SKU through, asking only the SKU's own object once", async () => {
		const sku = `S-${crypto.randomUUID().slice(0, 8)}`;
		const { c, reached } = fakeCtx(3);
		expect(await refused(requireKnownShard(c, sku, 0, "no"))).toBeNull();
		expect(reached).toEqual([]);
		expect(await refused(requireKnownShard(c, sku, 2, "no"))).toBeNull();
		expect(await refused(requireKnownShard(c, sku, 1, "no"))).toBeNull();
		expect(await refused(requireKnownShard(c, sku, 3, "no"))).toBe("not_found");
		expect(await refused(requireKnownShard(c, sku, 63, "no"))).toBe("not_found");
		expect(reached).toEqual([sku]);
	});

	it("refuses any shard of a one-object SKU, the count asked once", async () => {
		const sku = `O-${crypto.randomUUID().slice(0, 8)}`;
		const { c, reached } = fakeCtx(1);
		for (const shard of [1, 2, 1, 63])
			expect(await refused(requireKnownShard(c, sku, shard, "no")), String(shard)).toBe(
				"not_found",
			);
		expect(reached).toEqual([sku]);
	});

	it("refuses when the SKU's object has no product, and asks again next time", async () => {
		const sku = `N-${crypto.randomUUID().slice(0, 8)}`;
		const { c, reached } = fakeCtx(null);
		expect(await refused(requireKnownShard(c, sku, 1, "no"))).toBe("not_found");
		expect(await refused(requireKnownShard(c, sku, 1, "no"))).toBe("not_found");
		expect(reached).toEqual([sku, sku]);
	});
});
