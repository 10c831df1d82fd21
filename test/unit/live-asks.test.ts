// A live socket's asks (src/inventory/live-asks.ts, docs/decisions/162-a-live-sockets-messages-bounded.md):
// LIVE_ASKS.burst at once, then one regained every LIVE_ASKS.refillMs up to the burst; none left is null.
import { describe, expect, it } from "vitest";
import { type AskBudget, LIVE_ASKS, spendAsk } from "../../src/inventory/live-asks.ts";

const { burst: LIVE_ASK_BURST, refillMs: LIVE_ASK_REFILL_MS } = LIVE_ASKS;

/** `n` asks at `atMs`; the budget after them, or null at the first refused. */
function askTimes(budget: AskBudget | undefined, n: number, atMs: number): AskBudget | null {
	let now = budget;
	for (let i = 0; i < n; i++) {
		const next = spendAsk(now, atMs);
		if (next === null) return null;
		now = next;
	}
	return now ?? null;
}

describe("a live socket's asks", () => {
	it("takes the burst at once and refuses the next", () => {
		const spent = askTimes(undefined, LIVE_ASK_BURST, 1_000);
		expect(spent).toEqual({ left: 0, atMs: 1_000 });
		expect(spendAsk(spent ?? undefined, 1_000)).toBeNull();
		expect(spendAsk(spent ?? undefined, 1_000 + LIVE_ASK_REFILL_MS - 1)).toBeNull();
	});

	it("regains one ask an interval, keeping the part of an interval already waited", () => {
		const spent = askTimes(undefined, LIVE_ASK_BURST, 0) ?? undefined;
		const one = spendAsk(spent, LIVE_ASK_REFILL_MS * 1.5);
		expect(one).toEqual({ left: 0, atMs: LIVE_ASK_REFILL_MS });
		// Half an interval already counts towards the next.
		expect(spendAsk(one ?? undefined, LIVE_ASK_REFILL_MS * 2 - 1)).toBeNull();
		expect(spendAsk(one ?? undefined, LIVE_ASK_REFILL_MS * 2)).toEqual({
			left: 0,
			atMs: LIVE_ASK_REFILL_MS * 2,
		});
	});

	it("regains no more than the burst however long the socket was quiet", () => {
		const spent = askTimes(undefined, LIVE_ASK_BURST, 0) ?? undefined;
		const later = LIVE_ASK_REFILL_MS * LIVE_ASK_BURST * 10;
		expect(askTimes(spent, LIVE_ASK_BURST, later)).toEqual({ left: 0, atMs: later });
		expect(spendAsk(askTimes(spent, LIVE_ASK_BURST, later) ?? undefined, later)).toBeNull();
	});

	it("a clock that went back regains nothing and refuses nothing it would not", () => {
		const two = askTimes(undefined, 2, 5_000) ?? undefined;
		expect(spendAsk(two, 4_000)).toEqual({ left: LIVE_ASK_BURST - 3, atMs: 5_000 });
	});
});
