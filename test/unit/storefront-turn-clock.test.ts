// The clock a waiting-room turn is shown by (src/web/storefront/turn-clock.ts): the page's
// estimate of the server's clock, not set back by a late answer's small step, so a turn that
// ended on screen does not come back (and is not said again); a larger step back, a device
// clock corrected, is followed at once.
import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { shownTicketState } from "../../src/web/storefront/queue-poll.ts";
import { turnAnnouncement } from "../../src/web/storefront/turn-announcement.ts";
import { TURN_CLOCK_HOLD_MS, turnClock } from "../../src/web/storefront/turn-clock.ts";

const T0 = Date.parse("2026-12-02T12:00:00.000Z");

describe("turnClock", () => {
	it("follows the estimate forward, holds through a small step back, follows a large one", () => {
		expect(turnClock(null, T0)).toBe(T0);
		expect(turnClock(T0, T0 + 250)).toBe(T0 + 250);
		// An answer 400 ms late set the estimate back: held.
		expect(turnClock(T0 + 250, T0 - 150)).toBe(T0 + 250);
		expect(turnClock(T0, T0 - TURN_CLOCK_HOLD_MS)).toBe(T0);
		// The device's clock was 30 s ahead and a reading corrected it: followed.
		expect(turnClock(T0, T0 - 30_000)).toBe(T0 - 30_000);
		expect(turnClock(T0, T0 - TURN_CLOCK_HOLD_MS - 1)).toBe(T0 - TURN_CLOCK_HOLD_MS - 1);
	});

	it("a turn that ended on screen stays over, and is said over once, when a late answer sets the estimate back", () => {
		const until = T0 + 8_000;
		const ticket = { state: "admitted", admittedUntil: new Date(until).toISOString() } as Ticket;
		// The page's estimate each 250 ms tick; at the end an answer 600 ms late moves it back.
		const estimates = [T0, T0 + 4_000, T0 + 7_750, T0 + 8_100, T0 + 7_600, T0 + 7_850, T0 + 8_350];
		const said: string[] = [];
		const states: string[] = [];
		let shown: number | null = null;
		for (const estimate of estimates) {
			shown = turnClock(shown, estimate);
			const state = shownTicketState(ticket, shown) ?? "none";
			if (states.at(-1) !== state) states.push(state);
			const text = turnAnnouncement((until - shown) / 1000, 8);
			if (said.at(-1) !== text) said.push(text);
		}
		expect(states).toEqual(["admitted", "expired"]);
		expect(said).toEqual([
			"It is your turn: you have 8 seconds to reserve.",
			"Your turn is over: the time to reserve ran out.",
		]);
		// By the estimate alone the turn came back for a moment, and was said again.
		const raw = estimates.map((e) => shownTicketState(ticket, e));
		expect(raw.slice(3, 5)).toEqual(["expired", "admitted"]);
	});
});
