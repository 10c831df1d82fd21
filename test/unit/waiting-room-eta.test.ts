// The waiting room's ETA (src/domain/waiting-room-eta.ts) and how the waiting page
// polls and shows it (src/web/storefront/queue-poll.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WaitingRoom } from "../../src/domain/waiting-room.ts";
import { AdmissionWindow, ETA_WINDOW_MS, estimateEta } from "../../src/domain/waiting-room-eta.ts";
import type { Ticket } from "../../src/shared/types.ts";
import {
	ADMISSION_END_READ_SPREAD_MS,
	etaText,
	isFinalTicketState,
	nextQueuePollMs,
	QUEUE_POLL_ERROR_MAX_MS,
	QUEUE_POLL_JITTER,
	QUEUE_POLL_MAX_MS,
	QUEUE_POLL_MIN_MS,
	shownTicketState,
	waitingCardState,
} from "../../src/web/storefront/queue-poll.ts";
import { SEED_A, T0 } from "../support/waiting-room.ts";

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

describe("the admissions the ETA counts", () => {
	it("leaves out the start's own admissions: they took the free units, not units coming back", () => {
		const start = T0;
		// Three units free at the start, three admitted at once; nothing comes back for a while.
		const window = new AdmissionWindow([start, start, start]);
		const soon = window.rate(start + 28_000, start);
		expect(soon.admissions).toBe(0);
		// Nothing measured yet: no estimate, rather than a turn "in about 10 s".
		expect(estimateEta(1, soon.admissions, soon.windowMs)).toBeNull();
		// A hold ends and the next ticket is admitted: that is a pace.
		window.record(start + 105_000);
		const later = window.rate(start + 106_000, start);
		expect(later).toEqual({ admissions: 1, windowMs: ETA_WINDOW_MS });
		expect(estimateEta(1, later.admissions, later.windowMs)?.etaSeconds).toBe(60);
	});

	it("counts every admission of the window after the start, and any of a room with no start yet", () => {
		const start = T0;
		const window = new AdmissionWindow([start + 5_000, start, start + 10_000]);
		expect(window.rate(start + 20_000, start)).toEqual({ admissions: 2, windowMs: 30_000 });
		expect(new AdmissionWindow([T0, T0 + 1]).rate(T0 + 2, null).admissions).toBe(2);
		// Past the window, the start's admissions are gone anyway.
		expect(window.rate(start + ETA_WINDOW_MS + 6_000, start).admissions).toBe(1);
	});
});

describe("the admissions an operator's raise makes", () => {
	it("are no pace either: the window leaves them out, and the room marks them", () => {
		const start = T0;
		const window = new AdmissionWindow([start]);
		// A raise of three units admits three at once; a hold's end admits one later.
		for (let i = 0; i < 3; i++) window.record(start + 20_000, true);
		expect(window.rate(start + 21_000, start).admissions).toBe(0);
		window.record(start + 40_000);
		expect(window.rate(start + 41_000, start).admissions).toBe(1);
		// Past the window, the raise's are gone with the rest.
		expect(window.rate(start + 20_000 + ETA_WINDOW_MS, start).admissions).toBe(1);

		// The room: 1 unit at the start (one admitted), then the total raised to 4.
		const settings = { enabled: true, admitSeconds: 60, overbook: 0 };
		const room = WaitingRoom.enable(settings, SEED_A, start);
		for (let i = 0; i < 6; i++)
			room.join(`s${i}`, `t${i}`, start, start, { available: 1, returnable: 0, total: 1 });
		room.advance(start, start, { available: 1, returnable: 0, total: 1 });
		expect(room.counts()).toMatchObject({ admitted: 1 });
		room.advance(start + 20_000, start, { available: 4, returnable: 0, total: 4 });
		expect(room.counts()).toMatchObject({ admitted: 4 });
		expect(room.admissionRate(start + 21_000).admissions).toBe(0);
		// Without a total (or one not raised), three admitted at once count as before.
		const plain = WaitingRoom.enable(settings, SEED_A, start);
		for (let i = 0; i < 6; i++)
			plain.join(`s${i}`, `t${i}`, start, start, { available: 1, returnable: 0 });
		plain.advance(start, start, { available: 1, returnable: 0 });
		plain.advance(start + 20_000, start, { available: 4, returnable: 0 });
		expect(plain.admissionRate(start + 21_000).admissions).toBe(3);
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

	it("reads an admitted ticket once more just after its end, and shows a lapsed one as over", () => {
		const until = T0 + 10_000;
		const admitted = ticket({
			state: "admitted",
			position: null,
			admittedUntil: new Date(until).toISOString(),
		});
		for (const r of [0, 0.5, 0.999]) {
			const d = nextQueuePollMs(admitted, 0, null, r, T0) as number;
			expect(d).toBeGreaterThan(10_000);
			expect(d).toBeLessThanOrEqual(10_000 + 1.5 * ADMISSION_END_READ_SPREAD_MS);
			// A read that still said admitted after the end asks again later, never in a loop.
			expect(nextQueuePollMs(admitted, 0, null, r, until + 5_000)).toBeGreaterThanOrEqual(
				ADMISSION_END_READ_SPREAD_MS / 2,
			);
		}
		// Tabs admitted together do not all ask at the same moment.
		expect(nextQueuePollMs(admitted, 0, null, 0.1, T0)).not.toBe(
			nextQueuePollMs(admitted, 0, null, 0.9, T0),
		);

		expect(shownTicketState(null, T0)).toBeNull();
		expect(shownTicketState(admitted, until - 1)).toBe("admitted");
		expect(shownTicketState(admitted, until)).toBe("expired");
		for (const state of ["waiting", "sold_out", "expired"] as const)
			expect(shownTicketState(ticket({ state }), until + 60_000)).toBe(state);
	});

	it("shows sold out on the waiting card unless a turn is running, and knows its last word", () => {
		const until = T0 + 10_000;
		const admitted = ticket({ state: "admitted", admittedUntil: new Date(until).toISOString() });
		expect(waitingCardState(null, false, T0)).toBeNull();
		expect(waitingCardState(null, true, T0)).toBe("sold_out");
		expect(waitingCardState(ticket({ state: "waiting" }), true, T0)).toBe("sold_out");
		// A running turn may still catch a unit that comes back; a lapsed one is over.
		expect(waitingCardState(admitted, true, until - 1)).toBe("admitted");
		expect(waitingCardState(admitted, false, until)).toBe("expired");
		expect(waitingCardState(admitted, true, until)).toBe("sold_out");
		expect(isFinalTicketState("expired")).toBe(true);
		expect(isFinalTicketState("sold_out")).toBe(true);
		for (const state of [null, "waiting", "admitted"] as const)
			expect(isFinalTicketState(state)).toBe(false);
	});
});
