// replaceInPlace (src/shared/replace-in-place.ts): the target ends equal to the source, and a
// nested record held elsewhere sees the new values (decision 187: a cut's pool across its awaits).
import { describe, expect, it } from "vitest";
import { replaceInPlace } from "../../src/shared/replace-in-place.ts";

describe("replaceInPlace", () => {
	it("makes the target equal to the source, nested records kept as the same objects", () => {
		const pool = { total: 20, pool: 3, pending: [[{ seq: 1 }], []] };
		const target: Record<string, unknown> = { sku: "S", pool, gone: 1 };
		const source = { sku: "S", pool: { total: 12, pool: 0, pending: [[], []] }, reset: { g: 2 } };
		replaceInPlace(target, source);
		expect(target).toEqual(source);
		expect(target.pool).toBe(pool);
		expect(pool.total).toBe(12);
		expect("gone" in target).toBe(false);
		// Arrays are replaced, not merged.
		expect(pool.pending).toEqual([[], []]);
	});
});
