// The console's line of refusals at the per-address caps (src/web/console/address-refusals.ts):
// its own sentence in the Fairness card, never folded into the reserve attempts' rejected total.
import { describe, expect, it } from "vitest";
import type { MetricsPoint } from "../../src/shared/types.ts";
import {
	addressRefusalsLine,
	refusalsInSeries,
	refusedInSecond,
} from "../../src/web/console/address-refusals.ts";

function point(addressRefusals?: MetricsPoint["addressRefusals"]): MetricsPoint {
	return {
		at: new Date(0).toISOString(),
		attempts: 5,
		rejected: 1,
		latencyMsP50: null,
		latencyMsP95: null,
		latencyMsP99: null,
		edgeLatencyMsP50: null,
		edgeLatencyMsP95: null,
		edgeLatencyMsP99: null,
		...(addressRefusals === undefined ? {} : { addressRefusals }),
	};
}

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

describe("the per-address refusals of the metrics series (the attempts chart)", () => {
	it("sums the points' refusals, and draws each second's beside the attempts", () => {
		const series = [point({ liveFeed: 2, roomJoin: 0 }), point({ liveFeed: 1, roomJoin: 3 })];
		expect(refusalsInSeries(series)).toEqual({ liveFeed: 3, roomJoin: 3 });
		expect(series.map(refusedInSecond)).toEqual([2, 4]);
	});

	it("is absent from an older server's points, not zero", () => {
		expect(refusalsInSeries([point(), point()])).toBeUndefined();
		expect(refusedInSecond(point())).toBeNull();
	});
});
