// The words for a hold the storefront showed that the server says has ended
// (src/web/storefront/ended-hold.ts): one sentence per status, never "expired"
// for a hold that was cancelled or released after failed payments.
import { describe, expect, it } from "vitest";
import type { HoldStatus } from "../../src/shared/types.ts";
import { endedHoldNotice, stillHeld } from "../../src/web/storefront/ended-hold.ts";

describe("an ended hold in words", () => {
	it("keeps a hold that still stands on the server", () => {
		expect(stillHeld("RESERVED")).toBe(true);
		expect(stillHeld("CHECKOUT_PENDING")).toBe(true);
		for (const s of ["PAID", "EXPIRED", "CANCELLED", "PAYMENT_FAILED"] as HoldStatus[])
			expect(stillHeld(s)).toBe(false);
	});

	it("says which way it ended", () => {
		expect(endedHoldNotice("CANCELLED")).toEqual({
			tone: "info",
			text: "This hold was cancelled, so its units are back in stock.",
		});
		expect(endedHoldNotice("PAYMENT_FAILED").text).toMatch(/released after its payments failed/);
		expect(endedHoldNotice("EXPIRED").text).toMatch(/^Your hold expired before payment/);
		expect(endedHoldNotice("PAID")).toEqual({
			tone: "success",
			text: "This hold is already paid.",
		});
		for (const s of ["CANCELLED", "PAYMENT_FAILED", "PAID"] as HoldStatus[])
			expect(endedHoldNotice(s).text).not.toMatch(/expired/);
	});
});
