// The demo's session notice (src/web/demo/session-notice.ts): the polite region beside the
// session's countdown speaks at five minutes left, at one minute left, and otherwise keeps its
// words, so a screen reader hears the session's end coming without a clock read every second.
import { describe, expect, it } from "vitest";
import { sessionNotice } from "../../src/web/demo/session-notice.ts";

describe("the demo's session notice", () => {
	it("says nothing while more than five minutes are left", () => {
		expect(sessionNotice(20 * 60)).toBe("");
		expect(sessionNotice(5 * 60 + 1)).toBe("");
	});

	it("says five minutes, then one minute, each text unchanged in between", () => {
		const texts = new Set<string>();
		for (let left = 5 * 60; left > 0; left -= 1) texts.add(sessionNotice(left));
		expect([...texts]).toEqual([
			"Five minutes of the demo session left.",
			"One minute of the demo session left.",
		]);
		expect(sessionNotice(61)).toBe("Five minutes of the demo session left.");
		expect(sessionNotice(60)).toBe("One minute of the demo session left.");
	});

	it("leaves the end to the ended line", () => {
		expect(sessionNotice(0)).toBe("");
		expect(sessionNotice(-5)).toBe("");
	});
});
