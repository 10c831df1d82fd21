// How old the edge's copy of a SKU's state may be (src/worker/edge-snapshot.ts): its age counts
// from when the call that brought it was sent, on an injected clock, so the test drives time
// instead of waiting for it. A copy sent for at T answers until T + EDGE_SNAPSHOT_MAX_AGE_MS and
// not a millisecond later, however late its answer arrived; an older copy never replaces a newer
// one; a copy that may predate a change made through this isolate (a cancel) is not kept; a split
// SKU's sold-out is repeated only for what is left of its shard's memo
// (docs/decisions/054-edge-copy-age.md).

import { afterEach, describe, expect, it, vi } from "vitest";
import type { EdgeSnapshot, ReserveAnswer, ReserveRequest } from "../../src/inventory/rpc.ts";
import {
	EDGE_SNAPSHOT_MAX_AGE_MS,
	forgetSnapshot,
	freshSnapshot,
	freshSoldOut,
	refreshAhead,
	rememberSnapshot,
	rememberSoldOut,
} from "../../src/worker/edge-snapshot.ts";
import { type CoalesceEnv, ReserveCoalescer } from "../../src/worker/reserve-coalescer.ts";

let skuCount = 0;
const uniqueSku = () => `AGE-${++skuCount}`;

function copyWith(available: number): EdgeSnapshot {
	return {
		availability: { sku: "X", available, reserved: 0, sold: 0, total: available, asOf: "" },
		startsAtMs: null,
	} as unknown as EdgeSnapshot;
}

const available = (sku: string, nowMs: number) => freshSnapshot(sku, nowMs)?.availability.available;

afterEach(() => {
	vi.useRealTimers();
});

describe("the age of the edge's copy", () => {
	it("counts from the send: a copy sent for at T is refused at T + 101, however late it arrived", () => {
		const sku = uniqueSku();
		const sentAtMs = 10_000;
		// The answer arrived 80 ms after the send (a slow commit, the way back): that does not
		// buy the copy 80 more ms.
		rememberSnapshot(sku, copyWith(0), sentAtMs);
		expect(available(sku, sentAtMs + 80)).toBe(0);
		expect(available(sku, sentAtMs + EDGE_SNAPSHOT_MAX_AGE_MS)).toBe(0);
		expect(freshSnapshot(sku, sentAtMs + EDGE_SNAPSHOT_MAX_AGE_MS + 1)).toBeNull();
	});

	it("never lets an older copy replace a newer one (a waiter of an older batch collecting late)", () => {
		const sku = uniqueSku();
		const t0 = 20_000;
		rememberSnapshot(sku, copyWith(3), t0 + 10); // the newer batch's answer, collected first
		rememberSnapshot(sku, copyWith(5), t0); // the older batch's answer, collected after it
		expect(available(sku, t0 + 20)).toBe(3);
		// And the kept copy still ages from its own send.
		expect(available(sku, t0 + 10 + EDGE_SNAPSHOT_MAX_AGE_MS)).toBe(3);
		expect(freshSnapshot(sku, t0 + 11 + EDGE_SNAPSHOT_MAX_AGE_MS)).toBeNull();
		// A copy sent for later does replace it.
		rememberSnapshot(sku, copyWith(2), t0 + 30);
		expect(available(sku, t0 + 40)).toBe(2);
	});

	it("does not put back a copy taken before a cancel through this isolate", () => {
		const sku = uniqueSku();
		const t0 = 30_000;
		rememberSnapshot(sku, copyWith(0), t0);
		// The cancel's answer arrives at t0 + 5: the unit is back, the copy is dropped.
		forgetSnapshot(sku, t0 + 5);
		expect(freshSnapshot(sku, t0 + 6)).toBeNull();
		// A reserve answer whose call was sent before the cancel was answered ("sold out") is
		// collected after it: it may have been taken before the cancel, so it is not kept.
		rememberSnapshot(sku, copyWith(0), t0 + 2);
		rememberSnapshot(sku, copyWith(0), t0 + 5);
		expect(freshSnapshot(sku, t0 + 6)).toBeNull();
		// A call sent after the cancel was answered brings a copy that counts.
		rememberSnapshot(sku, copyWith(1), t0 + 6);
		expect(available(sku, t0 + 7)).toBe(1);
	});

	it("a background refresh sent before a cancel does not bring the old state back", async () => {
		const sku = uniqueSku();
		const t0 = 40_000;
		rememberSnapshot(sku, copyWith(0), t0);
		let answer: (s: EdgeSnapshot | null) => void = () => undefined;
		const deferred: Promise<unknown>[] = [];
		refreshAhead(
			sku,
			t0 + 60,
			() => new Promise<EdgeSnapshot | null>((resolve) => (answer = resolve)),
			(p) => void deferred.push(p),
		);
		forgetSnapshot(sku, t0 + 61);
		answer(copyWith(0));
		await Promise.all(deferred);
		expect(freshSnapshot(sku, t0 + 62)).toBeNull();
	});

	it("a split SKU's sold-out lasts what is left of the shard's memo, counted from the send", () => {
		const sku = uniqueSku();
		const sentAtMs = 50_000;
		// The shard decided with 30 ms of its memo left; the answer came back 50 ms after the send.
		rememberSoldOut(sku, sentAtMs, 30);
		expect(freshSoldOut(sku, sentAtMs + 29)).toBe(true);
		expect(freshSoldOut(sku, sentAtMs + 30)).toBe(false);
		expect(freshSoldOut(sku, sentAtMs + 50)).toBe(false);
		// Never longer than the edge's own bound, whatever a shard says.
		const other = uniqueSku();
		rememberSoldOut(other, sentAtMs, 10 * EDGE_SNAPSHOT_MAX_AGE_MS);
		expect(freshSoldOut(other, sentAtMs + EDGE_SNAPSHOT_MAX_AGE_MS - 1)).toBe(true);
		expect(freshSoldOut(other, sentAtMs + EDGE_SNAPSHOT_MAX_AGE_MS)).toBe(false);
		// A memo heard later for less does not shorten one already known, nor does an older one
		// outlive a cancel.
		rememberSoldOut(other, sentAtMs + 1, 5);
		expect(freshSoldOut(other, sentAtMs + 50)).toBe(true);
		forgetSnapshot(other, sentAtMs + 60);
		rememberSoldOut(other, sentAtMs + 40, 90);
		expect(freshSoldOut(other, sentAtMs + 61)).toBe(false);
	});
});

describe("the send time a coalesced attempt reports", () => {
	/** An object whose answer lands `roundTripMs` after the send, on fake timers. */
	function slowObject(roundTripMs: number) {
		const sends: number[] = [];
		const env: CoalesceEnv = {
			send: (attempts: ReserveRequest[]) => {
				sends.push(Date.now());
				const answer: ReserveAnswer = {
					results: attempts.map(() => ({ ok: false, code: "sold_out" })),
					sqlRows: { read: 0, written: 0 },
					snapshot: copyWith(0),
				};
				return new Promise((resolve) => setTimeout(() => resolve(answer), roundTripMs));
			},
			sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
			after: (ms, fn) => void setTimeout(fn, ms),
			nowMs: Date.now,
		};
		return { env, sends };
	}

	const attempt = (id: string): ReserveRequest => ({
		id,
		sessionId: id,
		quantity: 1,
		idempotencyKey: null,
	});

	it("is the batch's send time for the leader and every waiter, not when each collected", async () => {
		vi.useFakeTimers({ now: 1_000_000 });
		const { env, sends } = slowObject(80);
		const coalescer = new ReserveCoalescer();
		const pending = ["a", "b", "c"].map((id) =>
			coalescer.reserve("SKU-AGE", attempt(id), null, env),
		);
		await vi.advanceTimersByTimeAsync(500);
		const got = await Promise.all(pending);
		expect(sends).toHaveLength(1);
		for (const g of got) expect(g.sentAtMs).toBe(sends[0]);
		expect(got.map((g) => g.via)).toEqual(["leader", "waiter", "waiter"]);
	});

	it("is the repeat's own send time when a waiter sends its attempt again", async () => {
		vi.useFakeTimers({ now: 2_000_000 });
		const { env, sends } = slowObject(5);
		let first = true;
		const failingOnce: CoalesceEnv = {
			...env,
			send: (attempts, limits) => {
				if (first && attempts.length > 1) {
					first = false;
					sends.push(Date.now());
					return new Promise((_, reject) =>
						setTimeout(() => reject(new Error("lost on the way back")), 30),
					);
				}
				return env.send(attempts, limits);
			},
		};
		const coalescer = new ReserveCoalescer();
		const pending = ["a", "b"].map((id) =>
			coalescer.reserve("SKU-AGE-2", attempt(id), null, failingOnce),
		);
		await vi.advanceTimersByTimeAsync(500);
		const got = await Promise.all(pending);
		expect(got.map((g) => g.via)).toEqual(["repeat", "repeat"]);
		// Each repeat went out after the failed batch, and reports its own send.
		for (const g of got) {
			expect(sends.slice(1)).toContain(g.sentAtMs);
			expect(g.sentAtMs).toBeGreaterThan(sends[0] as number);
		}
	});
});
