// The pre-queue's first read after the start (src/web/storefront/queue-poll.ts;
// docs/decisions/190-the-pre-queue-learns-its-turn-in-time.md): spread as widely as the pre-queue
// needs, never past a fifth of a turn or QUEUE_POLL_MAX_MS, and read again soon when it came a
// moment before the server's start.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import {
	nextQueuePollMs,
	PRE_QUEUE_LATE_MS,
	PRE_QUEUE_READS_PER_SECOND,
	PRE_QUEUE_RECHECK_MS,
	PRE_QUEUE_SPREAD_FLOOR_MS,
	PRE_QUEUE_SPREAD_TURN_SHARE,
	preQueueSpreadMs,
	QUEUE_POLL_MAX_MS,
	QUEUE_POLL_MIN_MS,
} from "../../src/web/storefront/queue-poll.ts";

const preQueue: Ticket = {
	ticketId: "t",
	sku: "S",
	state: "waiting",
	position: null,
	etaSeconds: null,
	etaRangeSeconds: null,
	admittedUntil: null,
	joinedAt: new Date(0).toISOString(),
};

describe("preQueueSpreadMs", () => {
	it("is a ms per ticket waiting, at most a fifth of the turn and QUEUE_POLL_MAX_MS", () => {
		expect(preQueueSpreadMs(5_000, 60)).toBe((5_000 * 1000) / PRE_QUEUE_READS_PER_SECOND);
		expect(preQueueSpreadMs(50_000, 10)).toBe(10_000 * PRE_QUEUE_SPREAD_TURN_SHARE);
		expect(preQueueSpreadMs(50_000, 60)).toBe(12_000);
		expect(preQueueSpreadMs(50_000, 3600)).toBe(QUEUE_POLL_MAX_MS);
		expect(preQueueSpreadMs(null, null)).toBe(QUEUE_POLL_MAX_MS);
		// A page that saw an empty or small pre-queue (loaded early) still spreads over the floor.
		expect(preQueueSpreadMs(0, 60)).toBe(PRE_QUEUE_SPREAD_FLOOR_MS);
		expect(preQueueSpreadMs(4, 10)).toBe(PRE_QUEUE_SPREAD_FLOOR_MS);
	});

	it("never lets the first read after the start come after the turn is over", () => {
		fc.assert(
			fc.property(
				fc.nat({ max: 1_000_000 }),
				fc.integer({ min: 10, max: 3600 }),
				fc.double({ min: 0, max: 0.999, noNaN: true }),
				fc.integer({ min: 1, max: 3_600_000 }),
				(waiting, admitSeconds, random, startsInMs) => {
					const spread = preQueueSpreadMs(waiting, admitSeconds);
					const d = nextQueuePollMs(preQueue, 0, startsInMs, random, 0, spread) as number;
					expect(d).toBeGreaterThanOrEqual(startsInMs);
					expect(d - startsInMs).toBeLessThanOrEqual(admitSeconds * 1000 * 0.2 + 1);
				},
			),
			{ numRuns: 300 },
		);
	});

	it("after the start, a pre-queue answer (the read came a moment early) is read again soon", () => {
		expect(nextQueuePollMs(preQueue, 0, 0, 0.5, 0, 4)).toBe(PRE_QUEUE_RECHECK_MS + 2);
		expect(nextQueuePollMs(preQueue, 0, -50, 0.999, 0, 2_000)).toBeLessThanOrEqual(
			PRE_QUEUE_RECHECK_MS + 2_000,
		);
	});

	it("long after the page's start, a pre-queue answer is read at the line's pace: the start moved", () => {
		const d = nextQueuePollMs(preQueue, 0, -PRE_QUEUE_LATE_MS - 1, 0.5, 0, 1_000) as number;
		expect(d).toBe(Math.round(QUEUE_POLL_MIN_MS + 0.5 * QUEUE_POLL_MAX_MS));
	});
});
