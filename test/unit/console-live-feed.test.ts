// The console's Live feed card (src/web/console/live-feed-figures.ts, LiveFeedFigures.tsx): the
// stats' `live` as an operator reads it during a drop, the bounds beside what is open, and the
// figures that say a bound was met marked.
import { describe, expect, it } from "vitest";
import type { LiveFeedStats } from "../../src/shared/types.ts";
import { liveFeedFigures } from "../../src/web/console/live-feed-figures.ts";

const QUIET: LiveFeedStats = {
	open: 12,
	cap: 5000,
	perAddressCap: 50,
	addresses: 9,
	mostByOneAddress: 3,
	addressesAtCap: 0,
	idleClosed: 0,
	floodClosed: 0,
	refusedFull: 0,
	refusedAddress: 0,
	refusedCoolDown: 0,
};

describe("the console's live feed figures", () => {
	it("shows what is open against the bounds and what was closed or refused, nothing marked while no bound is met", () => {
		expect(liveFeedFigures(QUIET)).toEqual([
			{ label: "Open", value: "12 of 5000", alert: false },
			{ label: "Addresses", value: "9", alert: false },
			{ label: "Most from one address", value: "3 of 50", alert: false },
			{ label: "Addresses at their cap", value: "0", alert: false },
			{ label: "Closed idle to make room", value: "0", alert: false },
			{ label: "Refused: feed full", value: "0", alert: false },
			{ label: "Refused: address at its cap", value: "0", alert: false },
			{ label: "Closed for flooding", value: "0", alert: false },
			{ label: "Refused: address cooling down", value: "0", alert: false },
		]);
	});

	it("marks the feed full, an address at its cap and the refusals; an idle close is the cap working, not marked", () => {
		const busy = {
			...QUIET,
			open: 5000,
			mostByOneAddress: 50,
			addressesAtCap: 2,
			idleClosed: 40,
			refusedFull: 7,
			refusedAddress: 3,
			floodClosed: 2,
			refusedCoolDown: 9,
		};
		const marked = liveFeedFigures(busy)
			?.filter((f) => f.alert)
			.map((f) => `${f.label}: ${f.value}`);
		expect(marked).toEqual([
			"Open: 5000 of 5000",
			"Most from one address: 50 of 50",
			"Addresses at their cap: 2",
			"Refused: feed full: 7",
			"Refused: address at its cap: 3",
			"Closed for flooding: 2",
			"Refused: address cooling down: 9",
		]);
		expect(liveFeedFigures(busy)?.find((f) => f.label === "Closed idle to make room")).toEqual({
			label: "Closed idle to make room",
			value: "40",
			alert: false,
		});
	});

	it("shows no card from a server that does not report the feed", () => {
		expect(liveFeedFigures(undefined)).toBeNull();
	});
});
