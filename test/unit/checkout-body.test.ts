// The checkout body's hand check (src/worker/checkout-body.ts) against its schema: for any value,
// the check either declines (the schema then judges it) or returns exactly what the schema
// returns, and it never accepts what the schema refuses.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ID_LENGTH } from "../../src/payment/index.ts";
import {
	CheckoutBody,
	MAX_RESERVATION_ID_LENGTH,
	plainCheckoutBody,
} from "../../src/worker/checkout-body.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const idLike = fc.oneof(
	fc.string({ maxLength: MAX_RESERVATION_ID_LENGTH + 5 }),
	fc.stringMatching(/^rsv_[0-9a-f]{32}~[A-Z0-9-]{1,64}$/),
	fc.constantFrom("", "x", "a".repeat(MAX_RESERVATION_ID_LENGTH), "a".repeat(121), null, 7),
);
const methodLike = fc.oneof(
	fc.string({ maxLength: 20 }),
	fc.stringMatching(/^[\x21-\x7E]{1,40}$/),
	fc.constantFrom(
		"pm_card_visa",
		"",
		" ",
		"pm card",
		"pm_é",
		"a".repeat(MAX_ID_LENGTH),
		"a".repeat(MAX_ID_LENGTH + 1),
		null,
		1,
	),
);
/** Bodies as JSON.parse gives them: objects with some of the two keys and others, or not objects. */
const body = fc.oneof(
	fc.record(
		{ reservationId: idLike, paymentMethod: methodLike, extra: fc.jsonValue() },
		{ requiredKeys: [] },
	),
	fc.jsonValue(),
);

describe("plainCheckoutBody", () => {
	it(
		"declines or agrees with the schema on every value",
		() => {
			fc.assert(
				fc.property(body, (value) => {
					const plain = plainCheckoutBody(value);
					const parsed = CheckoutBody.safeParse(value);
					if (plain === null) return;
					expect(parsed.success).toBe(true);
					expect(plain).toStrictEqual(parsed.data);
				}),
				{ numRuns: 2_000 },
			);
		},
		PROPERTY_TIMEOUT_MS,
	);

	it("takes the common shape without the schema, and leaves the rest to it", () => {
		const common = { reservationId: "rsv_0123~HOT-1", paymentMethod: "pm_card_visa" };
		expect(plainCheckoutBody(common)).toStrictEqual(common);
		expect(plainCheckoutBody({ ...common, note: "x" })).toStrictEqual(common);
		expect(plainCheckoutBody({ ...common, paymentMethod: "pm card" })).toBeNull();
		expect(plainCheckoutBody({ ...common, paymentMethod: "" })).toBeNull();
		expect(plainCheckoutBody({ ...common, reservationId: "" })).toBeNull();
		expect(plainCheckoutBody({ reservationId: common.reservationId })).toBeNull();
		expect(plainCheckoutBody([common])).toBeNull();
	});
});
