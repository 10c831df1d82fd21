// A live socket's asks (src/inventory/live-asks.ts, docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md):
// LIVE_ASKS.burst at once, then one regained every LIVE_ASKS.refillMs up to the burst; none left is null.
import { describe, expect, it } from "vitest";
import {
	type AskBudget,
	FloodedAddresses,
	LIVE_ASKS,
	LIVE_FLOOD_COOLDOWN_MS,
	spendAsk,
} from "../../src/inventory/live-asks.ts";

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
		const one = askTimes(undefined, 1, 5_000) ?? undefined;
		expect(spendAsk(one, 4_000)).toEqual({ left: LIVE_ASK_BURST - 2, atMs: 5_000 });
	});
});

describe("the addresses cooling down after a flood", () => {
	it("refuses an address for the cool-down, from its latest flood, and no other", () => {
		const flooded = new FloodedAddresses();
		flooded.add(["product", "address:a"], 1_000);
		expect(flooded.cooling("address:a", 1_000)).toBe(true);
		expect(flooded.cooling("address:b", 1_000)).toBe(false);
		expect(flooded.cooling("address:a", 1_000 + LIVE_FLOOD_COOLDOWN_MS - 1)).toBe(true);
		expect(flooded.cooling("address:a", 1_000 + LIVE_FLOOD_COOLDOWN_MS)).toBe(false);
		flooded.add(["address:a"], 3_000);
		expect(flooded.cooling("address:a", 1_000 + LIVE_FLOOD_COOLDOWN_MS)).toBe(true);
	});

	it("remembers nothing of a socket that carries no address, and answers the cooling address 429", () => {
		const flooded = new FloodedAddresses();
		flooded.add(["product"], 1_000);
		expect((flooded as unknown as { until: Map<string, number> }).until.size).toBe(0);
		expect(flooded.refusal([null, null], 1_000)).toBeNull();
		flooded.add(["address:a"], 1_000);
		expect(flooded.refusal(["address:b", null], 1_000)).toBeNull();
		expect(flooded.refusal(["address:a", null], 1_000)?.status).toBe(429);
	});

	it("refuses an upgrade whose address cooled down under the day before's tag (a socket opened before midnight)", () => {
		const flooded = new FloodedAddresses();
		flooded.add(["address:yesterday"], 1_000);
		expect(flooded.refusal(["address:today", "address:yesterday"], 2_000)?.status).toBe(429);
		expect(flooded.refusal(["address:today", "address:other"], 2_000)).toBeNull();
	});

	it("forgets the ended cool-downs as it adds, so many addresses in turn keep it small", () => {
		const flooded = new FloodedAddresses();
		for (let i = 0; i < 50_000; i++) flooded.add([`address:${i}`], i * 1_000);
		const size = (flooded as unknown as { until: Map<string, number> }).until.size;
		expect(size).toBeLessThanOrEqual(LIVE_FLOOD_COOLDOWN_MS / 1_000 + 1);
		expect(flooded.cooling("address:49999", 49_999_000)).toBe(true);
	});
});
