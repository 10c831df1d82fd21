// What a waiting room's turn says to a screen reader (src/web/storefront/turn-announcement.ts):
// the turn once, the time left at whole minutes and the last 10 seconds, the end — a handful of
// texts in a turn, never one a second.
import { describe, expect, it } from "vitest";
import {
	CLOCK_SLACK_SECONDS,
	firstLeftSeconds,
	spokenDuration,
	turnAnnouncement,
} from "../../src/web/storefront/turn-announcement.ts";

/** Every distinct text a turn first seen with `first` seconds left takes, second by second. */
function textsOfTurn(first: number): string[] {
	const texts: string[] = [];
	for (let left = first; left >= -1; left -= 0.25) {
		const text = turnAnnouncement(left, first);
		if (texts.at(-1) !== text) texts.push(text);
	}
	return texts;
}

describe("turnAnnouncement", () => {
	it("says a 60 s turn at its start, at 10 s left and at its end", () => {
		expect(textsOfTurn(60)).toEqual([
			"It is your turn: you have 1 minute to reserve.",
			"10 seconds left to reserve.",
			"Your turn is over: the time to reserve ran out.",
		]);
	});

	it("adds each whole minute of a longer turn", () => {
		expect(textsOfTurn(150)).toEqual([
			"It is your turn: you have 2 minutes 30 seconds to reserve.",
			"2 minutes left to reserve.",
			"1 minute left to reserve.",
			"10 seconds left to reserve.",
			"Your turn is over: the time to reserve ran out.",
		]);
	});

	it("says the turn first even when the page learns of it late or it is short", () => {
		// Seen with 62 s left: the minute step would cut the first sentence two seconds in.
		expect(textsOfTurn(62)[0]).toBe("It is your turn: you have 1 minute 2 seconds to reserve.");
		expect(textsOfTurn(62)[1]).toBe("10 seconds left to reserve.");
		expect(textsOfTurn(10)).toEqual([
			"It is your turn: you have 10 seconds to reserve.",
			"Your turn is over: the time to reserve ran out.",
		]);
	});

	it("words durations as spoken", () => {
		expect(spokenDuration(1)).toBe("1 second");
		expect(spokenDuration(45)).toBe("45 seconds");
		expect(spokenDuration(60)).toBe("1 minute");
		expect(spokenDuration(61)).toBe("1 minute 1 second");
		expect(spokenDuration(120)).toBe("2 minutes");
	});
});

describe("firstLeftSeconds", () => {
	const until = Date.parse("2026-12-01T04:00:00.000Z");

	it("never says a turn as longer than the room's admission", () => {
		// The page's estimate of the server's clock a few hundred ms behind: 60.3 s, 60.9 s left.
		expect(firstLeftSeconds(until, until - 60_300, 60)).toBe(60);
		expect(firstLeftSeconds(until, until - 60_900, 60)).toBe(60);
		expect(turnAnnouncement(60.9, firstLeftSeconds(until, until - 60_900, 60))).toBe(
			"It is your turn: you have 1 minute to reserve.",
		);
	});

	it("says an admission made before admitSeconds was shortened at its own length", () => {
		// Admitted for 120 s; the operator then shortened admitSeconds to 60.
		expect(firstLeftSeconds(until, until - 120_200, 60)).toBe(120);
		const first = firstLeftSeconds(until, until - 120_200, 60);
		expect(turnAnnouncement(120.2, first)).toBe("It is your turn: you have 2 minutes to reserve.");
		// Its steps are those of a 2-minute turn: the minute left is said too.
		expect(turnAnnouncement(59, first)).toBe("1 minute left to reserve.");
		// Learnt late, 30 s into it: the time left, not the room's new length.
		expect(firstLeftSeconds(until, until - 90_000, 60)).toBe(90);
		// Just past the clock estimate's slack: its own length too.
		expect(firstLeftSeconds(until, until - (60 + CLOCK_SLACK_SECONDS + 1) * 1000, 60)).toBe(
			60 + CLOCK_SLACK_SECONDS + 1,
		);
	});

	it("rounds a turn learnt late to the nearest second, never below 0", () => {
		expect(firstLeftSeconds(until, until - 41_400, 60)).toBe(41);
		expect(firstLeftSeconds(until, until - 41_600, 60)).toBe(42);
		expect(firstLeftSeconds(until, until + 2_000, 60)).toBe(0);
	});
});
