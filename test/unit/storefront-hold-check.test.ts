// When the storefront reads its hold because the feed says it may have ended
// (src/web/storefront/useHoldCheck.ts, src/web/storefront/ended-hold.ts holdMayHaveEnded): only an availability read after the
// hold was taken, counting fewer units held than the hold itself holds.
import { describe, expect, it } from "vitest";
import type { Availability, Reservation } from "../../src/shared/types.ts";
import { holdMayHaveEnded } from "../../src/web/storefront/ended-hold.ts";

const CREATED = "2026-11-30T12:00:00.000Z";
const hold = (quantity: number): Reservation => ({
	reservationId: `res_${crypto.randomUUID()}`,
	sku: "SKU-1",
	quantity,
	status: "RESERVED",
	createdAt: CREATED,
	expiresAt: "2026-11-30T12:02:00.000Z",
	expiresInSeconds: 120,
});
const availability = (reserved: number, asOf: string): Availability => ({
	sku: "SKU-1",
	total: 10,
	available: 10 - reserved,
	reserved,
	sold: 0,
	status: "live",
	asOf,
});
const AFTER = "2026-11-30T12:00:01.000Z";

describe("a hold the feed says may have ended", () => {
	it("is read when a newer availability counts fewer units held than it holds", () => {
		expect(holdMayHaveEnded(hold(1), availability(0, AFTER))).toBe(true);
		expect(holdMayHaveEnded(hold(3), availability(2, AFTER))).toBe(true);
	});

	it("is not read while the units it holds may still be counted, or from an older answer", () => {
		expect(holdMayHaveEnded(hold(1), availability(1, AFTER))).toBe(false);
		expect(holdMayHaveEnded(hold(2), availability(5, AFTER))).toBe(false);
		// Read before the hold was taken (the edge's copy, an earlier message): says nothing of it.
		expect(holdMayHaveEnded(hold(1), availability(0, "2026-11-30T11:59:59.900Z"))).toBe(false);
		expect(holdMayHaveEnded(hold(1), availability(0, CREATED))).toBe(false);
	});
});
