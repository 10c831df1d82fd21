// The pace of the product read that stands in for a missing live feed
// (src/web/storefront/useFallbackRead.ts, its schedule in src/web/api/live-protocol.ts): steady while it succeeds, the feed's backoff while
// it fails, never sooner than a Retry-After.

import { describe, expect, it } from "vitest";
import { backoffMs, FALLBACK_READ_MS, nextReadInMs } from "../../src/web/api/live-protocol.ts";

describe("the storefront's read in place of the live feed", () => {
	it("comes every FALLBACK_READ_MS ± 20 % while reads succeed", () => {
		expect(nextReadInMs(0, null, () => 0)).toBe(FALLBACK_READ_MS * 0.8);
		expect(nextReadInMs(0, null, () => 0.5)).toBe(FALLBACK_READ_MS);
		expect(nextReadInMs(0, null, () => 1)).toBe(FALLBACK_READ_MS * 1.2);
	});

	it("backs off like the feed while reads fail, capped at the feed's 10 s", () => {
		for (const failures of [1, 2, 3, 6, 20])
			expect(nextReadInMs(failures, null, () => 0.5)).toBe(backoffMs(failures, () => 0.5));
		expect(nextReadInMs(20, null, () => 0.5)).toBe(10_000);
	});

	it("never reads sooner than the answer's Retry-After", () => {
		expect(nextReadInMs(1, 30, () => 0.5)).toBe(30_000);
		expect(nextReadInMs(0, 5, () => 0)).toBe(FALLBACK_READ_MS * 0.8);
	});
});
