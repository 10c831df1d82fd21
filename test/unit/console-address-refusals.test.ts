// The console's line of refusals at the per-address caps (src/web/console/address-refusals.ts):
// its own sentence in the Fairness card, never folded into the reserve attempts' rejected total.
import { describe, expect, it } from "vitest";
import { addressRefusalsLine } from "../../src/web/console/address-refusals.ts";

describe("the console's per-address refusals line", () => {
	it("names both caps with their counts, singular for one", () => {
		expect(addressRefusalsLine({ liveFeed: 2, roomJoin: 1 })).toBe(
			"Refused at the per-address caps (not reserve attempts): 2 live feed upgrades, 1 waiting-room join.",
		);
		expect(addressRefusalsLine({ liveFeed: 0, roomJoin: 0 })).toBe(
			"Refused at the per-address caps (not reserve attempts): 0 live feed upgrades, 0 waiting-room joins.",
		);
	});

	it("is absent when the server does not count them", () => {
		expect(addressRefusalsLine(undefined)).toBeNull();
	});
});
