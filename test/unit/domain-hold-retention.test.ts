// How long an ended hold's row is kept (src/domain/hold-retention.ts,
// docs/decisions/088-ended-holds-and-replays.md): never less than what its Idempotency-Key
// record, its owner's session (with the grace of decision 086) and a split SKU's recount can
// still need.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_HOLD_SECONDS } from "../../src/domain/bounds.ts";
import {
	endedHoldKeptMs,
	endedHoldPrunableAtMs,
	RECOUNT_KEPT_MS,
} from "../../src/domain/hold-retention.ts";
import { replayUntilMs } from "../../src/domain/idempotency.ts";
import { MAX_ADMIT_SECONDS } from "../../src/domain/waiting-room-records.ts";
import { MAX_SESSION_TTL_SECONDS } from "../../src/shared/config.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";

const T0 = Date.UTC(2026, 0, 1);

describe("ended hold retention", () => {
	it("keeps a row the session lifetime plus its grace, at least twice the room's longest admission", () => {
		const grace = SESSION_GRACE_SECONDS * 1000;
		expect(RECOUNT_KEPT_MS).toBe(2 * MAX_ADMIT_SECONDS * 1000);
		expect(endedHoldKeptMs({ holdMarginMs: 60_000 })).toBe(
			Math.max(60_000 + grace, RECOUNT_KEPT_MS),
		);
		expect(endedHoldKeptMs({ holdMarginMs: 86_400_000 })).toBe(86_400_000 + grace);
		expect(endedHoldPrunableAtMs(T0, { holdMarginMs: 1_200_000 })).toBe(T0 + 1_200_000 + grace);
	});

	it("never deletes a hold before its Idempotency-Key record ends, its session's grace ends, or a recount's window passes", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: MAX_SESSION_TTL_SECONDS }),
				fc.integer({ min: 1, max: MAX_HOLD_SECONDS }),
				fc.integer({ min: 0, max: MAX_SESSION_TTL_SECONDS * 1000 }),
				(ttlSeconds, holdSeconds, sessionAgeAtReserveMs) => {
					const windows = { holdMarginMs: ttlSeconds * 1000, rejectedMs: 300_000 };
					const createdAtMs = T0;
					const expiresAtMs = createdAtMs + holdSeconds * 1000;
					const prunableAt = endedHoldPrunableAtMs(expiresAtMs, windows);
					// The record that replays the hold's key ends no later.
					expect(prunableAt).toBeGreaterThanOrEqual(
						replayUntilMs(expiresAtMs, createdAtMs, windows),
					);
					// The session that took it began before the hold; it reaches the hold until its
					// end plus the grace (unless renewed), no later.
					const sessionEndMs = createdAtMs - sessionAgeAtReserveMs + ttlSeconds * 1000;
					expect(prunableAt).toBeGreaterThanOrEqual(sessionEndMs + SESSION_GRACE_SECONDS * 1000);
					// A recount reads holds created in the last MAX_ADMIT_SECONDS, twice over.
					expect(prunableAt - createdAtMs).toBeGreaterThanOrEqual(2 * MAX_ADMIT_SECONDS * 1000);
				},
			),
		);
	});
});
