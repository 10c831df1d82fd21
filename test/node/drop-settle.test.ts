// The settle phase's line (cli/drop/settle.ts settledLine): it counts the holds that expired
// instead of saying "the rest expired" whatever happened, which read wrong when every hold was
// checked out or cancelled. Pure (no server): here beside the other cli/drop modules' tests,
// which reach Node-only modules the Worker tsconfig that types test/unit cannot.
import { describe, expect, it } from "vitest";
import { Latency } from "../../cli/drop/latency.ts";
import { type SettleResult, settledLine } from "../../cli/drop/settle.ts";
import type { TallyHold } from "../../cli/drop/types.ts";

function figures(cancels: number): SettleResult {
	return {
		checkoutStatus: { "200": 2 },
		cancelStatus: cancels === 0 ? {} : { "200": cancels },
		checkoutLatency: new Latency(),
		replays: 0,
		replayMismatches: 0,
		lapsedCheckouts: 0,
		lapsedCauses: { inFlight: 0, grantedShort: 0, clockStepped: 0, sentLate: 0 },
		lapsedTimings: [],
		lapsedInQueue: 0,
		lapsedInQueueDueLate: 0,
		checkoutsDuringBurst: 2,
		freedUnitsDuringBurst: 0,
		queuedMsMax: 0,
		notActed: 0,
	};
}

function hold(i: number, expected: TallyHold["expected"]): TallyHold {
	return {
		reservationId: `rsv_${i}~S`,
		sessionId: `s${i}`,
		quantity: 1,
		expiresAt: "2026-12-01T00:00:00.000Z",
		fate: expected === "PAID" ? "checkout" : expected === "CANCELLED" ? "cancel" : "expire",
		expected,
		orderIds: [],
	};
}

describe("the settle phase's line", () => {
	it("says none expired when every hold was checked out or cancelled", () => {
		const holds = [hold(1, "PAID"), hold(2, "PAID"), hold(3, "CANCELLED")];
		const line = settledLine(figures(1), holds);
		expect(line).toBe(
			'drop: checkouts {"200":2} (2 during the burst, 0 met a lapsed hold, 0 acts not sent: the hold lapsed first), cancels {"200":1}, 0 expired',
		);
		expect(line).not.toContain("the rest expired");
	});

	it("counts the holds that expired", () => {
		const holds = [hold(1, "PAID"), hold(2, "PAID"), hold(3, "EXPIRED"), hold(4, "EXPIRED")];
		expect(settledLine(figures(0), holds)).toMatch(/cancels \{\}, 2 expired$/);
	});
});
