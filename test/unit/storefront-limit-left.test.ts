// A reserve's 403 `purchase_limit` whose `error.limit` count leaves units (the session holds 1 of
// 2 and asked for 2: a tab that missed another tab's hold offered more than is left). The page
// words it from the figures, not "Purchase limit reached" (src/web/api/outcomes.ts), and the
// quantity choice follows the count (src/web/storefront/sale.ts unitsForChoice).
import { describe, expect, it } from "vitest";
import type { ApiErr } from "../../src/web/api/client.ts";
import { describeError } from "../../src/web/api/outcomes.ts";
import { saleView, unitsForChoice } from "../../src/web/storefront/sale.ts";
import { availability, product, T0 } from "../support/storefront-product.ts";

function refusal(perUserLimit: number, usedUnits: number): ApiErr {
	return {
		ok: false,
		status: 403,
		code: "purchase_limit",
		message: "…",
		meta: null,
		retryAfterSeconds: null,
		roundTripMs: 1,
		limit: { perUserLimit, usedUnits },
	};
}

const stock = availability({ available: 8, reserved: 2, sold: 0 });
const shoe = product({ availability: stock });

describe("a purchase_limit refusal that leaves units", () => {
	it("says how many are left, not that the limit is reached", () => {
		expect(describeError(refusal(2, 1), { perUserLimit: 2 })).toBe(
			"Each buyer may hold or buy 2 of this product, and this session holds or bought 1, in this tab or another: you can reserve 1 more.",
		);
		expect(describeError(refusal(2, 0), { perUserLimit: 2 })).toBe(
			"Each buyer may hold or buy 2 of this product: you can reserve up to 2.",
		);
		// At and past the limit, the sentences stay (test/unit/storefront-sale.test.ts).
		expect(describeError(refusal(2, 2), { perUserLimit: 2 })).toBe(
			"Purchase limit reached: each buyer may hold or buy 2 of this product.",
		);
	});

	it("caps the quantity choice at what the server's count leaves", () => {
		const limit = { perUserLimit: 2, usedUnits: 1 };
		expect(unitsForChoice(0, limit)).toBe(1);
		expect(saleView(shoe, stock, T0, unitsForChoice(0, limit)).maxQuantity).toBe(1);
		// This tab's own units count when they are more; no refusal, no change.
		expect(unitsForChoice(2, limit)).toBe(2);
		expect(unitsForChoice(1, undefined)).toBe(1);
		// A count at or past the limit does not block Reserve by itself: the refusal's words say it.
		expect(unitsForChoice(0, { perUserLimit: 2, usedUnits: 2 })).toBe(0);
		expect(unitsForChoice(0, { perUserLimit: null, usedUnits: 1 })).toBe(0);
	});
});
