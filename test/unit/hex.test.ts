// Random hex for ids (src/shared/hex.ts): the pooled draw gives hex digits of the length asked,
// uses no byte twice (ids drawn across a refill of the pool stay distinct), and refuses more
// bytes than the pool holds.

import { describe, expect, it } from "vitest";
import { clockHex, clockOfId, pooledRandomHex, randomHex } from "../../src/shared/hex.ts";
import { newId } from "../../src/worker/ids.ts";

describe("pooledRandomHex", () => {
	it("draws `bytes` random bytes as hex, distinct across several refills of its pool", () => {
		const seen = new Set<string>();
		// 10 bytes a draw: 2,000 draws take 20,000 bytes, about five pools of 4,096.
		for (let i = 0; i < 2_000; i++) {
			const id = pooledRandomHex(10);
			expect(id).toMatch(/^[0-9a-f]{20}$/);
			seen.add(id);
		}
		expect(seen.size).toBe(2_000);
		expect(pooledRandomHex(1)).toMatch(/^[0-9a-f]{2}$/);
		expect(randomHex(4)).toMatch(/^[0-9a-f]{8}$/);
	});

	it("refuses more bytes than its pool holds", () => {
		expect(() => pooledRandomHex(4_097)).toThrow(RangeError);
	});
});

describe("clockOfId", () => {
	it("reads back the clock an id was minted with, and null for an id without one", () => {
		for (const ms of [0, 1, 1_764_460_800_000, 2 ** 47 - 1]) {
			expect(clockOfId(`rsv_${clockHex(ms)}${pooledRandomHex(6)}~SKU-1`)).toBe(ms);
		}
		expect(clockOfId(newId("rsv", "SKU-1", 3))).toBeGreaterThan(0);
		expect(clockOfId("rsv-no-underscore")).toBeNull();
		expect(clockOfId("rsv_short")).toBeNull();
		expect(clockOfId("rsv_XYZ000000000aaaaaaaaaaaa~SKU")).toBeNull();
	});
});
