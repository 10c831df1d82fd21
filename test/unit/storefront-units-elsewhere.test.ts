// The session's units elsewhere, as a reserve's limit refusal counted them, kept while the page
// knows them (src/web/storefront/units-elsewhere.ts), and the Quantity choice they leave
// (sale.ts unitsForChoice, saleView).
import { describe, expect, it } from "vitest";
import { saleView, unitsForChoice } from "../../src/web/storefront/sale.ts";
import {
	elsewhereAfterFreed,
	elsewhereFromRefusal,
	elsewhereNow,
} from "../../src/web/storefront/units-elsewhere.ts";
import { availability, product, T0 } from "../support/storefront-product.ts";

const SESSION = "s1";
const HOLD_SECONDS = 600;

describe("the session's units elsewhere", () => {
	it("are the server's count less this tab's own units when it answered", () => {
		const known = elsewhereFromRefusal(
			{ perUserLimit: 3, usedUnits: 2 },
			0,
			SESSION,
			T0,
			HOLD_SECONDS,
		);
		expect(known).toEqual({ sessionId: SESSION, units: 2, untilServerMs: T0 + 600_000 });
		// This tab paid 1 of the 3 counted: 2 are elsewhere.
		expect(elsewhereFromRefusal({ perUserLimit: 4, usedUnits: 3 }, 1, SESSION, T0, 60)?.units).toBe(
			2,
		);
		// No count in the refusal: nothing known.
		expect(elsewhereFromRefusal(undefined, 0, SESSION, T0, 60)).toBeNull();
		expect(
			elsewhereFromRefusal({ perUserLimit: 3, usedUnits: null }, 0, SESSION, T0, 60),
		).toBeNull();
	});

	it("last while a hold they counted may stand, for this session only", () => {
		const known = elsewhereFromRefusal({ perUserLimit: 3, usedUnits: 2 }, 0, SESSION, T0, 60);
		expect(elsewhereNow(known, SESSION, T0 + 59_999)).toBe(2);
		expect(elsewhereNow(known, SESSION, T0 + 60_000)).toBe(0);
		expect(elsewhereNow(known, "another session", T0)).toBe(0);
		expect(elsewhereNow(null, SESSION, T0)).toBe(0);
	});

	it("go down by what another tab released, and are forgotten when it did not say how many", () => {
		const known = elsewhereFromRefusal({ perUserLimit: 3, usedUnits: 2 }, 0, SESSION, T0, 60);
		expect(elsewhereAfterFreed(known, 1)?.units).toBe(1);
		expect(elsewhereAfterFreed(known, 2)).toBeNull();
		expect(elsewhereAfterFreed(known, null)).toBeNull();
		expect(elsewhereAfterFreed(null, 1)).toBeNull();
	});

	it("cap the Quantity choice after this tab's own hold came and went", () => {
		const stock = availability({ available: 8, reserved: 2, sold: 0 });
		const shoe = product({ availability: stock, perUserLimit: 3 });
		const units = elsewhereNow(
			elsewhereFromRefusal({ perUserLimit: 3, usedUnits: 2 }, 0, SESSION, T0, 60),
			SESSION,
			T0,
		);
		// This tab holds nothing (its own hold of 1 was released): 1 is left, not 3.
		const counted = unitsForChoice(0, { perUserLimit: 3, usedUnits: 0 + units });
		expect(saleView(shoe, stock, T0, counted).maxQuantity).toBe(1);
	});
});
