// The hold a tab showing none takes on from the session's standing holds, and its words
// (src/web/storefront/elsewhere-hold.ts; docs/decisions/122-a-buyers-read-of-the-sessions-holds.md).

import { describe, expect, it } from "vitest";
import type { HoldStatus, Reservation } from "../../src/shared/types.ts";
import {
	coolDownFromRead,
	elsewhereHoldText,
	holdToShow,
} from "../../src/web/storefront/elsewhere-hold.ts";
import { elsewhereFromRead, elsewhereNow } from "../../src/web/storefront/units-elsewhere.ts";

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

describe("what the session's read tells a page besides its holds (decision 131)", () => {
	const T = Date.parse("2026-12-01T00:00:00.000Z");

	it("a running cool-down: its end on the page's clock and the refusal's words; none when over or absent", () => {
		// The page's clock is 2 s behind the server's (offset +2 s): 20 s left by the server.
		const cool = coolDownFromRead(new Date(T + 22_000).toISOString(), 2_000, T);
		expect(cool).toEqual({
			untilMs: T + 20_000,
			text: "Your last hold on this product ended without a payment, so its units went to other buyers first. You can reserve it again in 20 seconds.",
		});
		expect(coolDownFromRead(new Date(T + 1_000).toISOString(), 2_000, T)).toBeNull();
		expect(coolDownFromRead(null, 0, T)).toBeNull();
	});

	it("the server's count less this tab's own units, known a hold length from the read", () => {
		const known = elsewhereFromRead(3, 1, "s1", T, { holdSeconds: 30 });
		expect(elsewhereNow(known, "s1", T + 29_999)).toBe(2);
		expect(elsewhereNow(known, "s1", T + 30_000)).toBe(0);
		expect(elsewhereNow(known, "s2", T)).toBe(0);
		expect(elsewhereNow(elsewhereFromRead(1, 2, "s1", T, null), "s1", T)).toBe(0);
	});
});
