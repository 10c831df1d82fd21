// The hold a tab showing none takes on from the session's standing holds, and its words
// (src/web/storefront/elsewhere-hold.ts; docs/decisions/122-a-buyers-read-of-the-sessions-holds.md).

import { describe, expect, it } from "vitest";
import type { HoldStatus, Reservation } from "../../src/shared/types.ts";
import { elsewhereHoldText, holdToShow } from "../../src/web/storefront/elsewhere-hold.ts";

function hold(id: string, status: HoldStatus = "RESERVED", quantity = 1): Reservation {
	return {
		reservationId: id,
		sku: "SKU-1",
		quantity,
		status,
		createdAt: "2026-12-01T00:00:00.000Z",
		expiresAt: "2026-12-01T00:10:00.000Z",
		expiresInSeconds: 600,
	};
}

describe("the session's hold shown elsewhere", () => {
	it("is the one the other tab named, else the newest standing one, else none", () => {
		const holds = [hold("a"), hold("b"), hold("c", "CHECKOUT_PENDING")];
		expect(holdToShow(holds, "b")?.reservationId).toBe("b");
		expect(holdToShow(holds, null)?.reservationId).toBe("c");
		expect(holdToShow(holds, "gone")?.reservationId).toBe("c");
		expect(holdToShow([], "a")).toBeNull();
		// A hold that no longer stands (the server lists none, but a page never shows one).
		expect(holdToShow([hold("p", "PAID")], "p")).toBeNull();
	});

	it("names the other tab when it told, and no place it cannot know otherwise", () => {
		expect(elsewhereHoldText(1, true)).toBe(
			"Your other tab reserved 1 unit: the hold shows here too, and you can pay it from either tab.",
		);
		expect(elsewhereHoldText(2, false)).toBe(
			"This session holds 2 units reserved in another tab or window: the hold shows here too, and you can pay it from either.",
		);
	});
});
