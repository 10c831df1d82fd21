// What the fairness figures cover (src/domain/fairness.ts coverageAcross, src/ratelimit/reserve-guard.ts;
// docs/decisions/193-fairness-counted-since-the-object-woke.md): since the latest start among a
// SKU's objects, partial when attempts were decided before an object's guard began, or judged on a
// shard before the coordinator's start.

import { describe, expect, it } from "vitest";
import { coverageAcross, type GuardCoverage } from "../../src/domain/fairness.ts";
import { ReserveGuard } from "../../src/ratelimit/reserve-guard.ts";

const at = (sinceMs: number, fields: Partial<GuardCoverage> = {}): GuardCoverage => ({
	sinceMs,
	decidedBefore: 0,
	firstAttemptMs: null,
	...fields,
});
const iso = (ms: number) => new Date(ms).toISOString();
const LIMITS = {
	windowMs: 60_000,
	verified: 10,
	new: 10,
	suspected: 1,
	flaggedForMs: 60_000,
	windowAtArrival: false,
};

describe("what the fairness figures cover", () => {
	it("one object: since its start, partial when it had decided attempts before", () => {
		expect(coverageAcross(at(1000))).toEqual({ countedSince: iso(1000), partial: false });
		expect(coverageAcross(at(1000, { decidedBefore: 3 }))).toEqual({
			countedSince: iso(1000),
			partial: true,
		});
	});

	it("a split SKU: since the latest start; a shard's attempt before the coordinator's start makes it partial", () => {
		// A shard restarted with nothing decided before it: whole, counted since its start.
		expect(coverageAcross(at(1000), [at(1000), at(3000)])).toEqual({
			countedSince: iso(3000),
			partial: false,
		});
		// A shard that had decided attempts before its own start.
		expect(coverageAcross(at(1000), [at(3000, { decidedBefore: 1 })]).partial).toBe(true);
		// The coordinator restarted after shard 1 judged an attempt: the reads it kept are gone.
		expect(coverageAcross(at(5000), [at(1000, { firstAttemptMs: 2000 })])).toEqual({
			countedSince: iso(5000),
			partial: true,
		});
		// Attempts only after the coordinator's start: nothing it knew is missing.
		expect(coverageAcross(at(5000), [at(1000, { firstAttemptMs: 6000 })]).partial).toBe(false);
		// An older shard that sends no coverage adds nothing.
		expect(coverageAcross(at(1000), [undefined])).toEqual({
			countedSince: iso(1000),
			partial: false,
		});
	});

	it("the guard keeps when it began and its first attempt, refused or not", () => {
		const guard = new ReserveGuard(10, 1000);
		expect([guard.startedAtMs, guard.firstAttemptMs]).toEqual([1000, null]);
		guard.markRead("a");
		expect(guard.firstAttemptMs).toBeNull();
		guard.attempt("a", 2000, 2000, { ...LIMITS, verified: 0 });
		guard.attempt("b", 2500, 2500, LIMITS);
		expect(guard.firstAttemptMs).toBe(2000);
	});
});
