// An amount in minor units said as the Worker says it (src/shared/minor-units.ts): the integer and
// what it is in the currency's units, so 999999990 USD is never read as $999,999,990.
import { describe, expect, it } from "vitest";
import { minorUnitsText } from "../../src/shared/minor-units.ts";

describe("minorUnitsText", () => {
	it("hundredths, thousandths and hundredths shown whole", () => {
		expect(minorUnitsText(999_999_990, "USD")).toBe("999999990 USD minor units (9,999,999.90 USD)");
		expect(minorUnitsText(5, "usd")).toBe("5 USD minor units (0.05 USD)");
		expect(minorUnitsText(10_500, "KWD")).toBe("10500 KWD minor units (10.500 KWD)");
		expect(minorUnitsText(100_000, "HUF")).toBe("100000 HUF minor units (1,000.00 HUF)");
	});

	it("a zero-decimal currency's minor unit is the unit itself", () => {
		expect(minorUnitsText(150_000_000, "JPY")).toBe("150000000 JPY");
	});
});
