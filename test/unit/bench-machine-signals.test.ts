// The drift probe's pure parts (cli/lib/machine-signals.ts, cli/hello-drift.ts): Pearson's r of
// two series, and the calibration loops return figures (no timing is asserted).

import { describe, expect, it } from "vitest";
import { calibrationNs, correlation, memoryWalkNs } from "../../cli/lib/machine-signals.ts";

describe("correlation", () => {
	it("is 1 or −1 for series on one line, 0 for unrelated ones", () => {
		expect(correlation([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
		expect(correlation([1, 2, 3, 4], [8, 6, 4, 2])).toBe(-1);
		expect(correlation([1, 2, 3, 4], [1, -1, -1, 1])).toBe(0);
	});

	it("is null for a constant series, a short one, or series of different lengths", () => {
		expect(correlation([1, 2, 3], [5, 5, 5])).toBeNull();
		expect(correlation([1, 2], [3, 4])).toBeNull();
		expect(correlation([1, 2, 3], [1, 2])).toBeNull();
	});
});

describe("calibration", () => {
	it("reports nanoseconds per iteration by wall clock and by CPU, and per memory step", () => {
		const cal = calibrationNs(100_000);
		expect(cal.wallNsPerIter).toBeGreaterThan(0);
		expect(cal.cpuNsPerIter).toBeGreaterThanOrEqual(0);
		expect(memoryWalkNs(1_000)).toBeGreaterThan(0);
	});
});
