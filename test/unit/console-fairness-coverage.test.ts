// The Fairness card's word on what its figures cover (src/web/console/fairness-coverage.ts;
// docs/decisions/193-fairness-counted-since-the-object-woke.md): once attempts came before the
// SKU's object last started, the card says the sessions whose attempts all failed before then are
// not counted and labels the session figures "since" then; whole figures keep their labels.
import { describe, expect, it } from "vitest";
import {
	coverageNote,
	coveredLabel,
	partialSince,
} from "../../src/web/console/fairness-coverage.ts";

const WOKE = "2026-12-03T10:31:05.000Z";
// The card's time of day in the reader's locale (lib/format.ts time); fixed here.
const at = (iso: string) => (iso === WOKE ? "10:31:05" : "?");

describe("the Fairness card's coverage", () => {
	it("partial figures: the sentence names the time, and the labels say since when", () => {
		const f = { countedSince: WOKE, partial: true };
		expect(partialSince(f, at)).toBe("10:31:05");
		expect(coverageNote(f, at)).toBe(
			"Counted since 10:31:05, when the SKU's object last started (an idle object sleeps and forgets): sessions whose attempts all failed before 10:31:05 are not counted, nor the bot signals' word on sessions before then. These figures are not the whole drop's, and the Jain index is not its fairness.",
		);
		expect(coveredLabel("Jain's index", f, at)).toBe("Jain's index since 10:31:05");
		expect(coveredLabel("Sessions asking", f, at)).toBe("Sessions asking since 10:31:05");
	});

	it("whole figures, or a server that does not say: no sentence, the labels as they were", () => {
		for (const f of [{ countedSince: WOKE, partial: false }, {}]) {
			expect(partialSince(f, at)).toBeNull();
			expect(coverageNote(f, at)).toBeNull();
			expect(coveredLabel("Jain's index", f, at)).toBe("Jain's index");
		}
	});
});
