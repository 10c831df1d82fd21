// Prices in the currency's minor unit (docs/api.md, "Money"): what the console's
// create form sends for a typed price, the step it allows, the price it refuses rather than
// round (src/web/console/typed-price.ts), and how the storefront shows an amount. Stripe
// reads `amount` the same way, so a yen price is sent in yen.
import { describe, expect, it } from "vitest";
import { startsAtInstant } from "../../src/web/console/create-form.ts";
import { decimalsNeeded, readPrice } from "../../src/web/console/typed-price.ts";
import {
	chartTime,
	minorUnitDigits,
	money,
	priceStep,
	shownDigits,
	time,
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
		// The forms step by what the API counts (decision 191), not by what Intl shows.
		expect(priceStep("HUF")).toBe("0.01");
		expect(plain(money(100_000, "HUF", "en-US"))).toBe("HUF 1,000");
		// An amount with hundredths is shown to the hundredth, as it is charged (not "HUF 1,235").
		expect(plain(money(123_456, "HUF", "en-US"))).toBe("HUF 1,234.56");
		expect(plain(money(123_450, "HUF", "en-US"))).toBe("HUF 1,234.50");
		expect(plain(money(5, "ISK", "en-US"))).toBe("ISK 0.05");
	});

	it("a code Intl does not know: hundredths", () => {
		expect(minorUnitDigits("XYZ")).toBe(2);
		expect(plain(money(150, "XYZ", "en-US"))).toBe("XYZ 1.50");
	});
});

describe("a typed price: read exactly, or refused naming the decimals its currency takes", () => {
	it("counts the decimals a numeral's value needs, trailing zeros none", () => {
		expect(decimalsNeeded("24.505")).toBe(3);
		expect(decimalsNeeded("24.50")).toBe(1);
		expect(decimalsNeeded("25.00")).toBe(0);
		expect(decimalsNeeded("25.")).toBe(0);
		expect(decimalsNeeded(".5")).toBe(1);
		expect(decimalsNeeded("0")).toBe(0);
		expect(decimalsNeeded(" 1000 ")).toBe(0);
		// A number input takes an exponent too.
		expect(decimalsNeeded("1.5e1")).toBe(0);
		expect(decimalsNeeded("100e-2")).toBe(0);
		expect(decimalsNeeded("1.25e-1")).toBe(3);
		expect(decimalsNeeded("2E3")).toBe(0);
		for (const text of ["", " ", ".", "e3", "1.2.3", "abc", "1,5", "Infinity", "0x10"])
			expect(decimalsNeeded(text), text).toBeNull();
	});

	it("reads a price with no more decimals than the currency takes, exactly", () => {
		expect(readPrice("24.50", "USD")).toEqual({ ok: true, minor: 2450 });
		expect(readPrice("0.29", "USD")).toEqual({ ok: true, minor: 29 });
		expect(readPrice("19.99", "usd")).toEqual({ ok: true, minor: 1999 });
		expect(readPrice("1000", "JPY")).toEqual({ ok: true, minor: 1000 });
		// A whole price is one in every currency: 25.00 in JPY is 25 yen.
		expect(readPrice("25.00", "JPY", true)).toEqual({ ok: true, minor: 25 });
		expect(readPrice("10.5", "KWD")).toEqual({ ok: true, minor: 10_500 });
		expect(readPrice("10.505", "KWD")).toEqual({ ok: true, minor: 10_505 });
		// Shown whole, counted in hundredths by the provider: typed to the hundredth the API takes.
		expect(readPrice("1000", "HUF")).toEqual({ ok: true, minor: 100_000 });
		expect(readPrice("1234.56", "HUF")).toEqual({ ok: true, minor: 123_456 });
		expect(readPrice("1000.5", "huf")).toEqual({ ok: true, minor: 100_050 });
		for (const code of ["ISK", "IDR", "COP"])
			expect(readPrice("0.01", code), code).toEqual({ ok: true, minor: 1 });
		// Zero-decimal for the provider too: JPY and KRW stay whole.
		expect(readPrice("1000.5", "KRW")).toMatchObject({ ok: false });
		expect(readPrice("1e3", "USD")).toEqual({ ok: true, minor: 100_000 });
	});

	it("refuses more decimals than the currency takes, naming them, instead of rounding", () => {
		expect(readPrice("24.505", "USD")).toEqual({
			ok: false,
			message:
				"A price in USD takes at most 2 decimals: 24.505 has more, and the console does not round it.",
		});
		expect(readPrice("24.50", "JPY")).toEqual({
			ok: false,
			message:
				"A price in JPY takes no decimals: 24.50 is not a whole number, and the console does not round it.",
		});
		expect(readPrice("10.5001", "KWD")).toMatchObject({
			ok: false,
			message: expect.stringMatching(/^A price in KWD takes at most 3 decimals: 10\.5001 has more/),
		});
		// HUF is shown whole but counted in hundredths: it takes the hundredths, not more (decision 191).
		expect(readPrice("1234.567", "HUF")).toEqual({
			ok: false,
			message:
				"A price in HUF takes at most 2 decimals: 1234.567 has more, and the console does not round it.",
		});
		expect(readPrice("0.001", "usd")).toMatchObject({
			ok: false,
			message: expect.stringMatching(/^A price in USD takes at most 2 decimals/),
		});
		expect(readPrice("1.25e-1", "USD")).toMatchObject({ ok: false });
	});

	it("a price left as it was when the currency changes is not converted: the refusal says so", () => {
		expect(readPrice("24.50", "jpy", true)).toEqual({
			ok: false,
			message:
				"A price in JPY takes no decimals: 24.50 is not a whole number, and the console does not round it. Changing the currency does not convert the price: type it in JPY.",
		});
	});

	it("refuses what is not a number", () => {
		for (const text of ["", "  ", "abc", "1e999"])
			expect(readPrice(text, "USD"), text).toEqual({
				ok: false,
				message: "Price must be a number.",
			});
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

describe("chartTime", () => {
	it("says a chart's time as the console says times, seconds only when asked", () => {
		const at = Date.UTC(2026, 11, 2, 9, 58, 16) / 1000;
		expect(chartTime(at)).toBe(time(new Date(at * 1000).toISOString()));
		const short = chartTime(at, false);
		expect(short).not.toBe(chartTime(at));
		expect(short).not.toMatch(/:16/);
		expect(chartTime(Number.NaN)).toBe("");
	});
});
