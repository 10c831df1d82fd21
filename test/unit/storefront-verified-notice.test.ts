// The human check's success sentence follows the page (src/web/storefront/verified-notice.ts):
// it names the next step only while that step is on screen, and goes once it has nothing
// true to say.
import { describe, expect, it } from "vitest";
import { type VerifiedState, verifiedText } from "../../src/web/storefront/verified-notice.ts";

const base: VerifiedState = {
	sessionLive: true,
	holding: false,
	room: false,
	joinOffered: false,
	reserveOpen: true,
};

describe("verifiedText", () => {
	it("says 'reserve now' only while Reserve is open", () => {
		expect(verifiedText(base)).toBe("You are verified. You can reserve now.");
		// Before the start, sold out or at the limit: nothing for now (the Reserve panel's status
		// says why), back when Reserve opens — never "You are verified." alone as the news.
		expect(verifiedText({ ...base, reserveOpen: false })).toBe("");
		// A renewed session with a hold on screen: paying is the next step, not reserving.
		expect(verifiedText({ ...base, holding: true })).toBe("You are verified.");
	});

	it("points to the queue only while Join is offered, and goes once the buyer joined", () => {
		const room = { ...base, room: true, reserveOpen: false };
		expect(verifiedText({ ...room, joinOffered: true })).toBe(
			"You are verified. Join the queue to get your turn.",
		);
		// Joined (waiting or admitted), the turn over, sold out, or at the limit.
		expect(verifiedText({ ...room, joinOffered: false })).toBeNull();
		// The room disabled while the sentence was up: Reserve is the step again.
		expect(verifiedText({ ...room, room: false, reserveOpen: true })).toBe(
			"You are verified. You can reserve now.",
		);
	});

	it("goes when the session ends (the human check is back)", () => {
		expect(verifiedText({ ...base, sessionLive: false })).toBeNull();
		expect(verifiedText({ ...base, room: true, joinOffered: true, sessionLive: false })).toBeNull();
	});
});
