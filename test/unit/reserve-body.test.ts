// The reserve body's hand check (src/worker/reserve-body.ts) against its schema: for any value,
// the check either declines (the schema then judges it) or returns exactly what the schema
// returns, and it never accepts what the schema refuses.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_QUANTITY } from "../../src/domain/bounds.ts";
import { plainReserveBody, ReserveBody } from "../../src/worker/reserve-body.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const skuLike = fc.oneof(
	fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
	fc.string({ maxLength: 70 }),
	fc.constantFrom("", "a".repeat(64), "a".repeat(65), "SKU 1", "SKU~1", "ÄB"),
);
const quantityLike = fc.oneof(
	fc.integer({ min: -2, max: MAX_QUANTITY + 2 }),
	fc.double({ noNaN: true, min: -1, max: MAX_QUANTITY + 1 }),
	fc.constantFrom(1, MAX_QUANTITY, 2 ** 53, "1", null, true),
);
const modeLike = fc.oneof(fc.constantFrom("safe", "eventual", "SAFE", "", null, 1), fc.string());
/** Bodies as JSON.parse gives them: objects with some of the three keys and others, or not objects. */
const body = fc.oneof(
	fc.record(
		{ sku: skuLike, quantity: quantityLike, mode: modeLike, extra: fc.jsonValue() },
		{ requiredKeys: [] },
	),
	fc.jsonValue(),
);

describe("plainReserveBody", () => {
	it(
		"declines or agrees with the schema on every value",
		() => {
			fc.assert(
				fc.property(body, (value) => {
					const plain = plainReserveBody(value);
					const parsed = ReserveBody.safeParse(value);
					if (plain === null) return;
					expect(parsed.success).toBe(true);
					expect(plain).toStrictEqual(parsed.data);
				}),
				{ numRuns: 2_000 },
			);
		},
		PROPERTY_TIMEOUT_MS,
	);

	it("takes the common shapes without the schema", () => {
		expect(plainReserveBody({ sku: "HOT-1" })).toStrictEqual({ sku: "HOT-1" });
		expect(plainReserveBody({ sku: "HOT-1", quantity: 2, mode: "safe", note: "x" })).toStrictEqual({
			sku: "HOT-1",
			quantity: 2,
			mode: "safe",
		});
		expect(plainReserveBody({ sku: "HOT 1" })).toBeNull();
		expect(plainReserveBody({ sku: "HOT-1", quantity: 0 })).toBeNull();
		expect(plainReserveBody([{ sku: "HOT-1" }])).toBeNull();
	});
});
