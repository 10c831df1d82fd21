// When a coalesced waiter looks for its answer (src/worker/reserve-coalescer.ts, decision 049):
// first when its batch's answer is due — the batch's send time plus the SKU's moving average of
// round trips — then every COALESCE_POLL_MS until it is there. Checked with fake timers and an
// injected sleep (or callback timer) that counts every look: a waiter whose answer comes on time looks once, one whose
// answer is late still finds it within a poll of its landing, one stalled call does not make the
// next waiters oversleep, and the guard fires on time whatever the average.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
	COALESCE_POLL_MS,
	COALESCE_ROUND_TRIP_WEIGHT,
	type CoalesceEnv,
	firstLookMs,
	MAX_ROUND_TRIP_SAMPLE_MS,
	nextRoundTripMs,
	ReserveCoalescer,
} from "../../src/worker/reserve-coalescer.ts";
import { oneUnitAttempt, soldOutAnswer } from "./reserve-attempt.ts";

describe("the waiters' first look", () => {
	it("averages round trips, the first as it is, each counted at most MAX_ROUND_TRIP_SAMPLE_MS", () => {
		expect(nextRoundTripMs(null, 6)).toBe(6);
		expect(nextRoundTripMs(6, 14)).toBe(6 + COALESCE_ROUND_TRIP_WEIGHT * 8);
		expect(nextRoundTripMs(null, 900)).toBe(MAX_ROUND_TRIP_SAMPLE_MS);
		expect(nextRoundTripMs(4, 900)).toBe(
			4 + COALESCE_ROUND_TRIP_WEIGHT * (MAX_ROUND_TRIP_SAMPLE_MS - 4),
		);
		// A clock that went back counts as no time at all.
		expect(nextRoundTripMs(null, -3)).toBe(0);
	});

	it("is the send plus the average round trip, one poll after the send before any is known, never past the guard", () => {
		expect(firstLookMs(0, null, 2_000)).toBe(COALESCE_POLL_MS);
		expect(firstLookMs(2, null, 2_000)).toBe(2 + COALESCE_POLL_MS);
		expect(firstLookMs(0, 4.9, 2_000)).toBe(4);
		expect(firstLookMs(2, 6.2, 2_000)).toBe(8);
		expect(firstLookMs(0, 0.3, 2_000)).toBe(COALESCE_POLL_MS);
		expect(firstLookMs(-5, 3, 2_000)).toBe(3);
		expect(firstLookMs(1, MAX_ROUND_TRIP_SAMPLE_MS, 10)).toBe(10);
		expect(firstLookMs(0, 3, 0)).toBe(COALESCE_POLL_MS);
	});
});

// Each waiter's looks run on its own timers: as promises (`sleep`, the tests' and the
// fallback's form) or as callbacks (`after`, the reserve route's form: no promise per look).
describe.each(["sleep", "after"] as const)(
	"coalesced waiters look when their answer is due (timers by %s)",
	(form) => {
		beforeEach(() => {
			vi.useFakeTimers();
		});
		afterEach(() => {
			vi.useRealTimers();
		});

		const attempt = oneUnitAttempt;
		/** The fake timers' clock (NaN without them, so no assertion can pass on the real clock). */
		const fakeNowMs = (): number => vi.getMockedSystemTime()?.getTime() ?? Number.NaN;

		/** An object whose next call is answered `answerMs` after it was sent; every sleep counted. */
		function fixture(guardMs = 2_000) {
			const timing = { answerMs: 6 };
			const sleeps: number[] = [];
			const calls: string[][] = [];
			const env: CoalesceEnv = {
				send: (attempts) => {
					calls.push(attempts.map((a) => a.id));
					const answer = soldOutAnswer(attempts);
					return new Promise((resolve) => setTimeout(() => resolve(answer), timing.answerMs));
				},
				sleep: (ms) => {
					sleeps.push(ms);
					return new Promise((resolve) => setTimeout(resolve, ms));
				},
				nowMs: fakeNowMs,
				...(form === "after"
					? {
							after: (ms: number, fn: () => void) => {
								sleeps.push(ms);
								setTimeout(fn, ms);
							},
						}
					: {}),
			};
			// No spacing: each batch is sent one turn after it opened, whenever the last one was.
			const coalescer = new ReserveCoalescer(guardMs, 0, 0);
			let n = 0;
			/** A batch of a leader and `waiters` waiters, given `spanMs` of fake time to be answered. */
			const batch = async (waiters: number, spanMs = MAX_ROUND_TRIP_SAMPLE_MS * 3) => {
				const startedAtMs = fakeNowMs();
				const answeredAfterMs: number[] = [];
				const looksBefore = coalescer.counts.looks;
				const pending = Array.from({ length: waiters + 1 }, () =>
					coalescer.reserve("SKU", attempt(`a${n++}`), null, env).then((got) => {
						answeredAfterMs.push(fakeNowMs() - startedAtMs);
						return got;
					}),
				);
				await vi.advanceTimersByTimeAsync(spanMs);
				const got = await Promise.all(pending);
				expect(got.map((g) => g.via)).toEqual(
					waiters === 0 ? ["alone"] : ["leader", ...Array(waiters).fill("waiter")],
				);
				return { answeredAfterMs, looks: coalescer.counts.looks - looksBefore };
			};
			return { timing, sleeps, calls, coalescer, batch, env };
		}

		it("polls every millisecond through the SKU's first round trip, then looks once when the answer is due", async () => {
			const { timing, batch } = fixture();
			timing.answerMs = 6;
			// Nothing known yet: the waiters poll from one millisecond after the send.
			const first = await batch(3);
			expect(first.looks).toBeGreaterThanOrEqual(3 * 5);
			expect(Math.max(...first.answeredAfterMs)).toBeLessThanOrEqual(6 + COALESCE_POLL_MS);
			// The average is now 6 ms and this answer comes a millisecond early: one look each.
			timing.answerMs = 5;
			const second = await batch(3);
			expect(second.looks).toBe(3);
			expect(second.answeredAfterMs.slice(1)).toEqual([6, 6, 6]);
		});

		it("a late answer is still picked up within a poll of its landing", async () => {
			const { timing, batch } = fixture();
			timing.answerMs = 4;
			await batch(2);
			timing.answerMs = 9;
			const late = await batch(2);
			// First look at 4 ms, then a poll a millisecond until the answer landed at 9 ms.
			expect(late.looks).toBeLessThanOrEqual(2 * (1 + (9 - 4)));
			expect(late.looks).toBeGreaterThanOrEqual(2 * 2);
			for (const ms of late.answeredAfterMs) expect(ms).toBeLessThanOrEqual(9 + COALESCE_POLL_MS);
		});

		it("one stalled call moves the next batches' first look by a bounded amount", async () => {
			const { timing, batch } = fixture();
			timing.answerMs = 4;
			await batch(1);
			// A call held up for 500 ms counts as MAX_ROUND_TRIP_SAMPLE_MS in the average.
			timing.answerMs = 500;
			await batch(1, 600);
			timing.answerMs = 4;
			const after = await batch(1);
			const expectedAverage = 4 + COALESCE_ROUND_TRIP_WEIGHT * (MAX_ROUND_TRIP_SAMPLE_MS - 4);
			expect(after.answeredAfterMs[1]).toBe(Math.floor(expectedAverage));
			expect(after.looks).toBe(1);
		});

		it("the guard still fires on time when the average round trip is longer than the guard", async () => {
			const guardMs = 10;
			const { timing, batch, coalescer, env, calls } = fixture(guardMs);
			timing.answerMs = 300;
			await batch(0, 400);
			// The average is now MAX_ROUND_TRIP_SAMPLE_MS (20 ms), past the 10 ms guard. The next batch's
			// call never comes back: its waiter repeats its attempt alone at the guard, not later.
			calls.length = 0;
			const hung = env.send;
			let sent = 0;
			env.send = (attempts, limits) => {
				sent += 1;
				return sent === 1 ? new Promise(() => undefined) : hung(attempts, limits);
			};
			const leader = coalescer.reserve("SKU", attempt("hung-leader"), null, env);
			const waiter = coalescer.reserve("SKU", attempt("hung-waiter"), null, env);
			void leader;
			// The fake timers decide the moment: nothing more is sent one tick before the guard,
			// and at the guard's tick the waiter's attempt goes alone.
			await vi.advanceTimersByTimeAsync(guardMs - 1);
			expect(sent).toBe(1);
			await vi.advanceTimersByTimeAsync(1);
			expect(sent).toBe(2);
			expect(calls).toEqual([["hung-waiter"]]);
			await vi.advanceTimersByTimeAsync(300);
			const got = await waiter;
			expect(got.via).toBe("repeat");
			expect(coalescer.counts.repeats).toBe(1);
		});
	},
);
