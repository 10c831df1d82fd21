// What the tab's title says out of view (src/web/storefront/tab-title.ts): the turn and its time
// left, or a human check waiting for a click; the page's own title otherwise and always in view.
import { describe, expect, it } from "vitest";
import { tabTitle } from "../../src/web/storefront/tab-title.ts";

const BASE = "Revenue Guard — Store";

describe("the tab's title out of view (tab-title.ts)", () => {
	it("is the page's own in view, whatever the page shows", () => {
		expect(tabTitle(BASE, { visible: true, turnLeftSeconds: 42, checkWaits: true })).toBe(BASE);
	});

	it("says the turn and the time left out of view, rounded up to the second", () => {
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: 59.2, checkWaits: false })).toBe(
			"Your turn: 1:00 left to reserve — Revenue Guard",
		);
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: 9, checkWaits: false })).toBe(
			"Your turn: 0:09 left to reserve — Revenue Guard",
		);
	});

	it("is the page's own again once the turn's time is up", () => {
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: 0, checkWaits: false })).toBe(BASE);
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: -3, checkWaits: false })).toBe(BASE);
	});

	it("says a check that waits for a click, after the turn", () => {
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: null, checkWaits: true })).toBe(
			"Click to keep your session — Revenue Guard",
		);
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: 30, checkWaits: true })).toMatch(
			/^Your turn: 0:30/,
		);
	});

	it("is the page's own out of view when there is nothing to say", () => {
		expect(tabTitle(BASE, { visible: false, turnLeftSeconds: null, checkWaits: false })).toBe(BASE);
	});

	it("says a session that ended while in line, after the turn and a check that waits for a click", () => {
		const ended = { visible: false, turnLeftSeconds: null, checkWaits: false, sessionEnded: true };
		expect(tabTitle(BASE, ended)).toBe("Your session ended: verify again — Revenue Guard");
		expect(tabTitle(BASE, { ...ended, visible: true })).toBe(BASE);
		expect(tabTitle(BASE, { ...ended, turnLeftSeconds: 30 })).toMatch(/^Your turn: 0:30/);
		expect(tabTitle(BASE, { ...ended, checkWaits: true })).toMatch(/^Click to keep your session/);
	});
});
