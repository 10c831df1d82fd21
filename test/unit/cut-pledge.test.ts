// A shard's pledge to a cut of a split SKU's totalStock (src/inventory/cut-pledge.ts,
// docs/decisions/168-a-refused-split-cut-changes-nothing.md): its buyers wait while it holds,
// and it ends when the cut takes or releases it, or by itself CUT_PLEDGE_MS after it was made
// (a coordinator that stopped asking), so a crash mid-cut keeps no unit from buyers for good.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CUT_PLEDGE_MS, CutPledge } from "../../src/inventory/cut-pledge.ts";

describe("CutPledge", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("holds its units until released, and its waiters resume then", async () => {
		const pledge = new CutPledge();
		expect(pledge.units).toBe(0);
		expect(pledge.ended()).toBeNull();
		pledge.make(7);
		expect(pledge.units).toBe(7);
		let resumed = false;
		void pledge.ended()?.then(() => {
			resumed = true;
		});
		await vi.advanceTimersByTimeAsync(CUT_PLEDGE_MS - 1);
		expect([pledge.units, resumed]).toEqual([7, false]);
		pledge.release();
		await Promise.resolve();
		expect([pledge.units, resumed, pledge.ended()]).toEqual([0, true, null]);
	});

	it("ends by itself CUT_PLEDGE_MS after it was made when the coordinator never comes back", async () => {
		const pledge = new CutPledge();
		pledge.make(3);
		const ended = pledge.ended();
		await vi.advanceTimersByTimeAsync(CUT_PLEDGE_MS);
		expect(pledge.units).toBe(0);
		await expect(ended).resolves.toBeUndefined();
	});

	it("a new pledge replaces the old one, which ends, and the old one's timer does not end the new one", async () => {
		const pledge = new CutPledge();
		pledge.make(3);
		const first = pledge.ended();
		await vi.advanceTimersByTimeAsync(CUT_PLEDGE_MS - 10);
		pledge.make(5);
		await expect(first).resolves.toBeUndefined();
		await vi.advanceTimersByTimeAsync(20);
		expect(pledge.units).toBe(5);
		await vi.advanceTimersByTimeAsync(CUT_PLEDGE_MS);
		expect(pledge.units).toBe(0);
	});
});
