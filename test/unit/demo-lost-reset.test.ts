// A demo sandbox reset whose answer was lost (src/web/demo/lost-reset.ts): which failures
// leave it open, how a read of the demo's own hold settles it, and what step 5 says meanwhile
// (never "try again" before it is known).
import { describe, expect, it } from "vitest";
import type { ApiErr } from "../../src/web/api/client.ts";
import {
	type LostDemoReset,
	lostResetText,
	outcomeUnknown,
	verdictOfHoldRead,
} from "../../src/web/demo/lost-reset.ts";

function failure(status: number, code: ApiErr["code"], message = "m."): ApiErr {
	return { ok: false, status, code, message, meta: null, retryAfterSeconds: null, roundTripMs: 1 };
}
const HOLD = `res_${crypto.randomUUID()}`;
const lost = (p: Partial<LostDemoReset> = {}): LostDemoReset => ({
	sentAt: new Date(Date.UTC(2026, 10, 30, 9, 14, 2)).toISOString(),
	holdId: HOLD,
	problem: failure(0, "network_error", "Could not reach the server."),
	verdict: "unknown",
	settledAt: null,
	...p,
});

describe("demo reset whose answer was lost", () => {
	it("leaves the outcome open on no answer or a 5xx, not on a refusal", () => {
		expect(outcomeUnknown(failure(0, "network_error"))).toBe(true);
		expect(outcomeUnknown(failure(502, "bad_response"))).toBe(true);
		expect(outcomeUnknown(failure(503, "unavailable"))).toBe(true);
		expect(outcomeUnknown(failure(429, "rate_limited"))).toBe(false);
		expect(outcomeUnknown(failure(401, "unauthorized"))).toBe(false);
	});

	it("settles it from a read of the demo's hold: gone is done, there is not done", () => {
		expect(verdictOfHoldRead(failure(404, "not_found"))).toBe("done");
		expect(verdictOfHoldRead({ ok: true })).toBe("not_done");
		expect(verdictOfHoldRead(failure(0, "network_error"))).toBeNull();
		expect(verdictOfHoldRead(failure(503, "unavailable"))).toBeNull();
	});

	it("calls a hold still there only 'not yet' after a reset the page stopped waiting for", () => {
		expect(verdictOfHoldRead({ ok: true }, true)).toBe("not_yet");
		expect(verdictOfHoldRead(failure(404, "not_found"), true)).toBe("done");
		const text = lostResetText(
			lost({
				problem: {
					...failure(0, "network_error", "The server did not answer in time."),
					timedOut: true,
				},
				verdict: "not_yet",
				settledAt: new Date().toISOString(),
			}),
		);
		expect(text).toMatch(
			/^Reset \(sent at .+\) not confirmed: the page stopped waiting for its answer, not the server/,
		);
		expect(text).toMatch(new RegExp(`hold ${HOLD} was still there at `));
		expect(text).not.toMatch(/not done|Reset again/);
	});

	it("says not confirmed, without advising to try again, until it is known", () => {
		const text = lostResetText(lost());
		expect(text).toMatch(/^Reset \(sent at .+\) not confirmed: Could not reach the server\. /);
		expect(text).toMatch(/may have done it before its answer was lost/);
		expect(text).not.toMatch(/try again/i);
		expect(lostResetText(lost({ holdId: null }))).toMatch(/holds no unit to tell by/);
		expect(lostResetText(lost({ problem: failure(502, "bad_response", "Odd.") }))).toMatch(
			/not confirmed: The server answered 502: Odd\./,
		);
	});

	it("says done or not done once a read of the hold answered", () => {
		expect(lostResetText(lost({ verdict: "done" }))).toMatch(
			new RegExp(
				`^The sandbox was reset \\(sent at .+\\), although the answer to the reset was lost: this demo's hold ${HOLD} is gone`,
			),
		);
		expect(
			lostResetText(lost({ verdict: "not_done", settledAt: new Date().toISOString() })),
		).toMatch(
			new RegExp(
				`^Reset not done: this demo's hold ${HOLD} was still there at .+ Reset again if you still want to\\.$`,
			),
		);
	});
});
