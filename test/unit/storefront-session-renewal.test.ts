// When the storefront renews its session ahead of the end (src/web/storefront/session-renewal.ts).

import { describe, expect, it } from "vitest";
import {
	RENEW_AHEAD_IN_LINE_MAX_MS,
	RENEW_AHEAD_MAX_MS,
	RENEW_REFUSED_FLOOR_MS,
	refusedRenewalRetryMs,
	renewAheadMs,
	renewalDue,
} from "../../src/web/storefront/session-renewal.ts";

describe("renewing the buyer session ahead of its end", () => {
	it("renews in the last two minutes of a 20-minute session, and in the last half of a short one", () => {
		expect(renewAheadMs(1200)).toBe(RENEW_AHEAD_MAX_MS);
		expect(renewAheadMs(20)).toBe(10_000);
		// An older page's session without the server's lifetime: the default one's window.
		expect(renewAheadMs(undefined)).toBe(RENEW_AHEAD_MAX_MS);
	});

	it("is due only for a live session within the window, on a page in view", () => {
		const end = 1_000_000;
		expect(renewalDue(end, 1200, end - 121_000, true)).toBe(false);
		expect(renewalDue(end, 1200, end - 120_000, true)).toBe(true);
		expect(renewalDue(end, 1200, end - 1, true)).toBe(true);
		// Out of view: waits. Ended: the usual check, not a renewal ahead.
		expect(renewalDue(end, 1200, end - 60_000, false)).toBe(false);
		expect(renewalDue(end, 1200, end, true)).toBe(false);
		expect(renewalDue(null, 1200, end - 60_000, true)).toBe(false);
		// Just renewed (a fresh 20 s session): not due again until its own window.
		expect(renewalDue(end + 20_000, 20, end, true)).toBe(false);
	});

	it("renews a page out of view that holds a place in a line, earlier, and no other hidden page", () => {
		const end = 1_000_000;
		// In line: the last five minutes of a 20-minute session, in view or not.
		expect(renewAheadMs(1200, true)).toBe(RENEW_AHEAD_IN_LINE_MAX_MS);
		expect(renewalDue(end, 1200, end - 300_000, false, true)).toBe(true);
		expect(renewalDue(end, 1200, end - 300_000, true, true)).toBe(true);
		expect(renewalDue(end, 1200, end - 301_000, false, true)).toBe(false);
		// Still at most half a short session's lifetime.
		expect(renewAheadMs(20, true)).toBe(10_000);
		expect(renewalDue(end, 20, end - 11_000, false, true)).toBe(false);
		expect(renewalDue(end, 20, end - 10_000, false, true)).toBe(true);
		// Out of view without a place in line: waits, as before.
		expect(renewalDue(end, 1200, end - 1, false, false)).toBe(false);
		// An ended session is not renewed ahead, in line or not: the usual check.
		expect(renewalDue(end, 1200, end, false, true)).toBe(false);
	});

	it("offers a refused renewal again no sooner than the floor, or the answer's longer Retry-After", () => {
		// A refusal without Retry-After (siteverify refused the token, the request failed): not at once.
		expect(refusedRenewalRetryMs(undefined)).toBe(RENEW_REFUSED_FLOOR_MS);
		expect(refusedRenewalRetryMs(null)).toBe(RENEW_REFUSED_FLOOR_MS);
		expect(refusedRenewalRetryMs(0)).toBe(RENEW_REFUSED_FLOOR_MS);
		expect(refusedRenewalRetryMs(Number.NaN)).toBe(RENEW_REFUSED_FLOOR_MS);
		expect(refusedRenewalRetryMs(5)).toBe(RENEW_REFUSED_FLOOR_MS);
		expect(refusedRenewalRetryMs(120)).toBe(120_000);
		// A few tries per window, not a loop: in view and out of view in line.
		expect(RENEW_REFUSED_FLOOR_MS).toBeGreaterThanOrEqual(30_000);
		expect(
			Math.ceil(RENEW_AHEAD_IN_LINE_MAX_MS / refusedRenewalRetryMs(undefined)),
		).toBeLessThanOrEqual(10);
		expect(Math.ceil(RENEW_AHEAD_MAX_MS / refusedRenewalRetryMs(undefined))).toBeLessThanOrEqual(4);
	});
});
