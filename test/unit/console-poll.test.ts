// The console's polling cadence (src/web/console/poll.ts): the normal
// interval while polls succeed; after failures, doubling waits drawn from the
// upper half of each step (jitter), capped, so an outage is not hammered.
import { describe, expect, it } from "vitest";
import {
	POLL_BACKOFF_MAX_MS,
	pollDelayMs,
	RETRY_AFTER_JITTER,
} from "../../src/web/console/poll.ts";

describe("console poll backoff", () => {
	it("keeps the cadence while polls succeed, then doubles with jitter up to the cap", () => {
		expect(pollDelayMs(1_000, 0)).toBe(1_000);
		expect(pollDelayMs(1_000, 1, () => 0)).toBe(1_000);
		expect(pollDelayMs(1_000, 1, () => 1)).toBe(2_000);
		expect(pollDelayMs(1_000, 3, () => 0)).toBe(4_000);
		expect(pollDelayMs(1_000, 3, () => 1)).toBe(8_000);
		expect(pollDelayMs(1_000, 30, () => 1)).toBe(POLL_BACKOFF_MAX_MS);
		expect(pollDelayMs(1_000, 30, () => 0)).toBe(POLL_BACKOFF_MAX_MS / 2);
	});

	it("asks a down server at most a handful of times a minute, whatever the draw", () => {
		for (const draw of [0, 0.5, 1]) {
			let elapsedMs = 0;
			let polls = 1;
			for (let failures = 1; ; failures++) {
				elapsedMs += pollDelayMs(1_000, failures, () => draw);
				if (elapsedMs > 60_000) break;
				polls += 1;
			}
			expect(polls).toBeLessThanOrEqual(8);
		}
	});

	it("waits what the server's Retry-After says instead of the doubling backoff", () => {
		// After many failures the backoff is 15-30 s; a 503 saying 5 s is asked again in 5-6 s.
		expect(pollDelayMs(1_500, 10, () => 0, 5)).toBe(5_000);
		expect(pollDelayMs(1_500, 10, () => 1, 5)).toBe(5_000 * (1 + RETRY_AFTER_JITTER));
		// Never sooner than the normal cadence, never later than the cap.
		expect(pollDelayMs(1_500, 1, () => 0, 0)).toBe(1_500);
		expect(pollDelayMs(1_500, 1, () => 0, 3_600)).toBe(POLL_BACKOFF_MAX_MS);
		// Success keeps the cadence whatever was said before.
		expect(pollDelayMs(1_500, 0, () => 0, 5)).toBe(1_500);
	});
});
