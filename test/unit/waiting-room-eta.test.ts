// The waiting room's ETA (src/domain/waiting-room-eta.ts) and how the waiting page
// polls and shows it (src/web/storefront/queue-poll.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimateEta } from "../../src/domain/waiting-room-eta.ts";
import type { Ticket } from "../../src/shared/types.ts";
import {
	etaText,
	nextQueuePollMs,
	QUEUE_POLL_ERROR_MAX_MS,
	QUEUE_POLL_JITTER,
	QUEUE_POLL_MAX_MS,
	QUEUE_POLL_MIN_MS,
} from "../../src/web/storefront/queue-poll.ts";
import { T0 } from "../support/waiting-room.ts";

describe("the ETA estimator", () => {
	it("is null with nothing measured, and its range holds the estimate", () => {
		expect(estimateEta(5, 0, 60_000)).toBeNull();
		const e = estimateEta(30, 60, 60_000);
		expect(e?.etaSeconds).toBe(30);
		expect(e?.lowSeconds).toBeLessThanOrEqual(30);
		expect(e?.highSeconds).toBeGreaterThanOrEqual(30);
		// Fewer admissions measured: a wider range.
		const unsure = estimateEta(30, 4, 8_000);
		expect((unsure?.highSeconds ?? 0) / (unsure?.lowSeconds ?? 1)).toBeGreaterThan(
			(e?.highSeconds ?? 0) / Math.max(1, e?.lowSeconds ?? 1),
		);
	});
});

describe("the waiting page's polling (src/web/storefront/queue-poll.ts)", () => {
	const ticket = (fields: Partial<Ticket>): Ticket => ({
		ticketId: "t",
		sku: "S",
		state: "waiting",
		position: 3,
		etaSeconds: 40,
		etaRangeSeconds: { low: 30, high: 50 },
		admittedUntil: null,
		joinedAt: new Date(T0).toISOString(),
		...fields,
	});

	it("follows the ETA within bounds, spreads every delay, backs off on failures, stops when final", () => {
		fc.assert(
			fc.property(
				fc.double({ min: 0, max: 0.999, noNaN: true }),
				fc.nat({ max: 12 }),
				(r, failures) => {
					const d = nextQueuePollMs(ticket({}), failures, null, r) as number;
					const bound = failures === 0 ? QUEUE_POLL_MAX_MS : QUEUE_POLL_ERROR_MAX_MS;
					expect(d).toBeGreaterThanOrEqual(QUEUE_POLL_MIN_MS * (1 - QUEUE_POLL_JITTER) - 1);
					expect(d).toBeLessThanOrEqual(bound * (1 + QUEUE_POLL_JITTER) + 1);
				},
			),
			{ numRuns: 200 },
		);
		// Two tabs with different random draws do not ask at the same moment.
		expect(nextQueuePollMs(ticket({}), 0, null, 0.1)).not.toBe(
			nextQueuePollMs(ticket({}), 0, null, 0.9),
		);
		expect(nextQueuePollMs(ticket({}), 3, null, 0.5)).toBeGreaterThan(
			nextQueuePollMs(ticket({}), 1, null, 0.5) as number,
		);
		for (const state of ["admitted", "sold_out", "expired"] as const)
			expect(nextQueuePollMs(ticket({ state }), 0, null, 0.5)).toBeNull();
		// The pre-queue waits for the start, then spreads its first polls.
		expect(nextQueuePollMs(ticket({ position: null }), 0, 60_000, 0.5)).toBeGreaterThanOrEqual(
			60_000,
		);
		expect(etaText(ticket({ etaSeconds: 40, etaRangeSeconds: { low: 20, high: 90 } }))).toBe(
			"about 20 s to 2 min",
		);
		expect(etaText(ticket({ etaSeconds: 40, etaRangeSeconds: { low: 35, high: 45 } }))).toBe(
			"about 40 s",
		);
	});
});
