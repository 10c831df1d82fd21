// A shard's sold-out memo (src/inventory/escrow-shard.ts): after the coordinator found no unit
// anywhere, the shard answers sold_out without asking again for EXHAUSTED_MEMO_MS counted from
// when it ASKED (the coordinator found nothing after that), and reports what is left of it, so the
// edge repeats the answer no longer than the memo lasts (docs/decisions/054-edge-copy-age.md).
// The clock is injected (fake timers): the coordinator's answer takes 40 ms to come back.

import { afterEach, describe, expect, it, vi } from "vitest";
import { EXHAUSTED_MEMO_MS } from "../../src/domain/escrow.ts";
import type { Inventory } from "../../src/domain/inventory.ts";
import { type EscrowHost, type EscrowPeer, ShardEscrow } from "../../src/inventory/escrow-shard.ts";

const ROUND_TRIP_MS = 40;

afterEach(() => {
	vi.useRealTimers();
});

/** Shard 1 of 4 with no unit left, whose coordinator answers "nothing" ROUND_TRIP_MS later. */
function emptyShard(): { escrow: ShardEscrow; asked: number[]; counted: number[] } {
	const asked: number[] = [];
	const counted: number[] = [];
	const inv = {
		counters: () => ({ available: 0, reserved: 0, sold: 10 }),
		product: { totalStock: 10 },
	} as unknown as Inventory;
	const coordinator = {
		escrowRequestGrant: () => {
			asked.push(Date.now());
			return new Promise<number>((resolve) => setTimeout(() => resolve(0), ROUND_TRIP_MS));
		},
		escrowStockElsewhere: () => {
			counted.push(Date.now());
			return new Promise<number>((resolve) => setTimeout(() => resolve(0), ROUND_TRIP_MS));
		},
	} as unknown as EscrowPeer;
	const host = {
		inventory: () => inv,
		peer: () => coordinator,
	} as unknown as EscrowHost;
	const ledger = { sku: "MEMO", shard: { index: 1, shards: 4 }, pool: null } as never;
	return { escrow: new ShardEscrow(host, ledger), asked, counted };
}

describe("a shard's sold-out memo", () => {
	it("runs EXHAUSTED_MEMO_MS from the request's send, and reports what is left of it", async () => {
		const t0 = 5_000_000;
		vi.useFakeTimers({ now: t0 });
		const { escrow, asked } = emptyShard();
		const admitted = escrow.admit(1);
		await vi.advanceTimersByTimeAsync(ROUND_TRIP_MS);
		await admitted;
		expect(asked).toEqual([t0]);
		// Heard at t0 + 40: 60 ms of the memo are left, not a fresh 100.
		expect(escrow.soldOutMemoLeftMs(t0 + ROUND_TRIP_MS)).toBe(EXHAUSTED_MEMO_MS - ROUND_TRIP_MS);
		expect(escrow.soldOutMemoLeftMs(t0 + EXHAUSTED_MEMO_MS - 1)).toBe(1);
		expect(escrow.soldOutMemoLeftMs(t0 + EXHAUSTED_MEMO_MS)).toBe(0);
	});

	it("is forgotten when the total is raised, and a request asked before that sets no memo", async () => {
		const t0 = 5_000_000;
		vi.useFakeTimers({ now: t0 });
		const { escrow, asked } = emptyShard();
		await Promise.all([escrow.admit(1), vi.advanceTimersByTimeAsync(ROUND_TRIP_MS)]);
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(EXHAUSTED_MEMO_MS - ROUND_TRIP_MS);
		escrow.forgetSoldOut();
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(0);
		// A request sent at t0 + 40; the raise reaches the shard 10 ms later, its "nothing" 30 ms
		// after that (it may predate the raise): the call asks again, and only that answer is a memo.
		const admitted = escrow.admit(1);
		await vi.advanceTimersByTimeAsync(10);
		escrow.forgetSoldOut();
		await vi.advanceTimersByTimeAsync(ROUND_TRIP_MS - 10);
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(0);
		await vi.advanceTimersByTimeAsync(ROUND_TRIP_MS);
		await admitted;
		expect(asked).toEqual([t0, t0 + ROUND_TRIP_MS, t0 + 2 * ROUND_TRIP_MS]);
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(EXHAUSTED_MEMO_MS - ROUND_TRIP_MS);
	});

	it("no count asked before a raise answers a call after it, nor sets a memo", async () => {
		const t0 = 5_000_000;
		vi.useFakeTimers({ now: t0 });
		const { escrow, counted } = emptyShard();
		const before = escrow.stockElsewhere(1);
		await vi.advanceTimersByTimeAsync(10);
		escrow.forgetSoldOut();
		// Not the count in flight: a new one, sent after the raise.
		const after = escrow.stockElsewhere(1);
		await vi.advanceTimersByTimeAsync(ROUND_TRIP_MS - 10);
		expect(await before).toBe(0);
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(0);
		await vi.advanceTimersByTimeAsync(10);
		expect(await after).toBe(0);
		expect(counted).toEqual([t0, t0 + 10]);
		// The later count's "nothing anywhere" is the memo, from its send.
		expect(escrow.soldOutMemoLeftMs(Date.now())).toBe(EXHAUSTED_MEMO_MS - ROUND_TRIP_MS);
	});
});
