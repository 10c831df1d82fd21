// Ids minted at the edge (src/worker/ids.ts): their owner is read back from them, and ids minted
// one after another sort one after another, so a batch's hold rows land at the end of the holds'
// id index in the SKU's object (docs/decisions/042-edge-reserve-cpu.md).

import { afterEach, describe, expect, it, vi } from "vitest";
import { newId, ownerOfId } from "../../src/worker/ids.ts";

afterEach(() => {
	vi.useRealTimers();
});

describe("newId", () => {
	it("keeps the id's shape and its owner", () => {
		const id = newId("rsv", "SKU-1");
		expect(id).toMatch(/^rsv_[0-9a-f]{24}~SKU-1$/);
		expect(ownerOfId(id, "rsv")).toEqual({ sku: "SKU-1", shard: 0 });
		expect(ownerOfId(newId("rsv", "SKU-1", 3), "rsv")).toEqual({ sku: "SKU-1", shard: 3 });
	});

	it("sorts ids minted later after earlier ones, and differs within one millisecond", () => {
		vi.useFakeTimers();
		const ids: string[] = [];
		for (let ms = 0; ms < 50; ms++) {
			vi.setSystemTime(1_800_000_000_000 + ms * 7);
			ids.push(newId("rsv", "HOT"), newId("rsv", "HOT"));
		}
		const later = ids.filter((_, i) => i % 2 === 0);
		expect([...later].sort()).toEqual(later);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it("draws fresh random digits across refills of its random pool", () => {
		vi.useFakeTimers();
		vi.setSystemTime(1_800_000_000_000);
		const ids = Array.from({ length: 3_000 }, () => newId("rsv", "HOT"));
		expect(new Set(ids).size).toBe(ids.length);
	});
});
