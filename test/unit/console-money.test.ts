// Prices in the currency's minor unit (docs/api.md, "Money"): what the console's
// create form sends for a typed price, the step it allows, and how the storefront
// shows an amount. Stripe reads `amount` the same way, so a yen price is sent in yen.
import { describe, expect, it } from "vitest";
import { startsAtInstant } from "../../src/web/console/create-form.ts";
import {
	minorUnitDigits,
	money,
	priceStep,
	shownDigits,
	toMinorUnits,
} from "../../src/web/lib/format.ts";

/** Intl separates a code from the amount with a no-break space. */
const plain = (s: string) => s.replace(/\u00a0/g, " ");

describe("money in the currency's minor unit", () => {
	it("USD: cents", () => {
		expect(minorUnitDigits("USD")).toBe(2);
		expect(toMinorUnits(12.34, "USD")).toBe(1234);
		expect(toMinorUnits(0.29, "USD")).toBe(29);
		expect(priceStep("USD")).toBe("0.01");
		expect(money(1234, "USD", "en-US")).toBe("$12.34");
	});

	it("JPY: the yen itself, typed and shown whole", () => {
		expect(minorUnitDigits("JPY")).toBe(0);
		expect(toMinorUnits(1000, "JPY")).toBe(1000);
		expect(priceStep("JPY")).toBe("1");
		expect(money(1000, "JPY", "en-US")).toBe("¥1,000");
		// Lower case is the same currency (the server upper-cases it).
		expect(toMinorUnits(1000, "jpy")).toBe(1000);
	});

	it("KWD: thousandths", () => {
		expect(minorUnitDigits("KWD")).toBe(3);
		expect(toMinorUnits(10.5, "KWD")).toBe(10_500);
		expect(priceStep("KWD")).toBe("0.001");
		expect(plain(money(10_500, "KWD", "en-US"))).toBe("KWD 10.500");
	});

	it("a currency shown without decimals but counted in hundredths by the provider (HUF)", () => {
		expect(shownDigits("HUF")).toBe(0);
		expect(minorUnitDigits("HUF")).toBe(2);
		expect(toMinorUnits(1000, "HUF")).toBe(100_000);
		expect(priceStep("HUF")).toBe("1");
		expect(plain(money(100_000, "HUF", "en-US"))).toBe("HUF 1,000");
	});

	it("a code Intl does not know: hundredths", () => {
		expect(minorUnitDigits("XYZ")).toBe(2);
		expect(plain(money(150, "XYZ", "en-US"))).toBe("XYZ 1.50");
	});
});

describe("the create form's start time", () => {
	it("empty is no start time; a local time becomes an instant", () => {
		expect(startsAtInstant("")).toBeNull();
		expect(startsAtInstant("2030-01-02T03:04")).toBe(new Date("2030-01-02T03:04").toISOString());
	});

	it("a five-digit year the browser accepts cannot be read: undefined, not a throw", () => {
		expect(startsAtInstant("20266-12-01T10:00")).toBeUndefined();
	});
});
