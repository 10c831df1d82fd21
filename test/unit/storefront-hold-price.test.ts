// The hold panel's Pay amount (src/web/storefront/hold-price.ts): the price the hold was taken
// at, even after the live feed shows the product repriced, and a plain word when they differ.
import { describe, expect, it } from "vitest";
import { holdPrice } from "../../src/web/storefront/hold-price.ts";

describe("the hold panel's price", () => {
	it("charges the hold's own price and says the product's price changed", () => {
		const p = holdPrice(
			{ quantity: 2, priceCents: 1999, currency: "USD" },
			{ priceCents: 5000, currency: "EUR" },
			"en-US",
		);
		expect(p.payLabel).toBe("Pay $39.98");
		expect(p.changed).toBe(
			"The price is now €50.00 a unit; your hold keeps the $19.99 it was taken at.",
		);
	});

	it("says nothing more when the price stands, and pays the product's price for a hold without one", () => {
		const product = { priceCents: 1999, currency: "USD" };
		expect(holdPrice({ quantity: 1, priceCents: 1999, currency: "USD" }, product, "en-US")).toEqual(
			{ payLabel: "Pay $19.99", changed: null },
		);
		expect(holdPrice({ quantity: 3 }, product, "en-US")).toEqual({
			payLabel: "Pay $59.97",
			changed: null,
		});
	});
});
