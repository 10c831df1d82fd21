// The Idempotency-Key windows (src/domain/idempotency.ts): how long an outcome
// is answered again, and the reason the hold window is safe — a record of a
// granted hold outlives every request its session can still send.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_SESSION_TTL_SECONDS, MAX_HOLD_SECONDS } from "../../src/domain/bounds.ts";
import {
	DEFAULT_REPLAY_WINDOWS,
	type ReplayWindows,
	replayUntilMs,
} from "../../src/domain/idempotency.ts";

const T0 = Date.UTC(2026, 0, 1);

describe("Idempotency-Key windows", () => {
	it("keeps a granted hold's outcome until its expiresAt plus the margin", () => {
		const windows: ReplayWindows = { holdMarginMs: 1_200_000, rejectedMs: 300_000 };
		expect(replayUntilMs(T0 + 120_000, T0, windows)).toBe(T0 + 120_000 + 1_200_000);
	});

	it("keeps a rejection's outcome for the rejection window from the decision", () => {
		const windows: ReplayWindows = { holdMarginMs: 1_200_000, rejectedMs: 300_000 };
		expect(replayUntilMs(null, T0, windows)).toBe(T0 + 300_000);
	});

	it("defaults to the session lifetime for holds and five minutes for rejections", () => {
		expect(DEFAULT_REPLAY_WINDOWS).toEqual({
			holdMarginMs: DEFAULT_SESSION_TTL_SECONDS * 1000,
			rejectedMs: 5 * 60 * 1000,
		});
	});

	it("outlives the session that made a granted hold, whenever in the session it was made", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 86_400 }),
				fc.integer({ min: 1, max: MAX_HOLD_SECONDS }),
				fc.double({ min: 0, max: 1, noNaN: true }),
				(sessionSeconds, holdSeconds, at) => {
					const sessionStartMs = T0;
					const sessionEndMs = T0 + sessionSeconds * 1000;
					// A request is only served while its session lives.
					const decidedAtMs = Math.floor(sessionStartMs + at * (sessionEndMs - sessionStartMs));
					const windows = { holdMarginMs: sessionSeconds * 1000, rejectedMs: 0 };
					const until = replayUntilMs(decidedAtMs + holdSeconds * 1000, decidedAtMs, windows);
					expect(until).toBeGreaterThanOrEqual(sessionEndMs);
				},
			),
			{ numRuns: 500 },
		);
	});
});
