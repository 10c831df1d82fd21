// The coalescer's own logic (src/worker/reserve-coalescer.ts) against a model object that
// decides each attempt id once and answers a second arrival with the first decision, as
// the SKU object does (src/domain/attempt-memo.ts). Property: whatever the batches look
// like and whatever happens to the leaders' calls (answered, failed after deciding, or
// answered long after the waiters' guard time), every attempt gets the decision the object made for its id, and the
// object decides each id exactly once.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttemptMemo, ID_CLOCK_SKEW_MS } from "../../src/domain/attempt-memo.ts";
import type { ReserveAnswer, ReserveRequest, ReserveResult } from "../../src/inventory/rpc.ts";
import { type CoalesceEnv, ReserveCoalescer } from "../../src/worker/reserve-coalescer.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { oneUnitAttempt } from "./reserve-attempt.ts";

/** What can happen to one call on its way back: late is far past the waiters' guard time. */
type Fate = "answered" | "failed" | "late";

class ModelObject {
	readonly decided = new Map<string, ReserveResult>();
	decisions = 0;
	calls: ReserveRequest[][] = [];
	private stock: number;

	constructor(
		stock: number,
		private readonly fates: Fate[],
	) {
		this.stock = stock;
	}

	send(attempts: ReserveRequest[]): Promise<ReserveAnswer> {
		this.calls.push(attempts.map((a) => ({ ...a })));
		const results = attempts.map((a) => {
			const earlier = this.decided.get(a.id);
			if (earlier !== undefined) return earlier;
			this.decisions += 1;
			const result: ReserveResult =
				this.stock >= a.quantity
					? {
							ok: true,
							reservation: { reservationId: a.id } as never,
						}
					: { ok: false, code: "sold_out" };
			if (result.ok) this.stock -= a.quantity;
			this.decided.set(a.id, result);
			return result;
		});
		// Repeats (one attempt, marked) always come back; a batch meets its fate.
		const fate = attempts.length > 1 ? (this.fates.shift() ?? "answered") : "answered";
		const answer: ReserveAnswer = { results, sqlRows: { read: 0, written: 0 }, snapshot: null };
		if (fate === "failed") return Promise.reject(new Error("the call failed on its way back"));
		if (fate === "late") return new Promise((resolve) => setTimeout(() => resolve(answer), 200));
		return new Promise((resolve) => setTimeout(() => resolve(answer), 1));
	}
}

const realTimers = (object: ModelObject): CoalesceEnv => ({
	send: (attempts) => object.send(attempts),
	sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
	nowMs: Date.now,
});

/** The reserve route's form: each of a waiter's looks a callback timer, no promise per look. */
const callbackTimers = (object: ModelObject): CoalesceEnv => ({
	...realTimers(object),
	after: (ms, fn) => void setTimeout(fn, ms),
});

describe("reserve coalescer", () => {
	it("sends attempts that arrive in one turn in one call, in arrival order", async () => {
		const object = new ModelObject(2, []);
		const coalescer = new ReserveCoalescer(50);
		const attempts = ["a", "b", "c"].map(
			(id): ReserveRequest => ({ id, sessionId: id, quantity: 1, idempotencyKey: null }),
		);
		const answers = await Promise.all(
			attempts.map((a) => coalescer.reserve("SKU", a, null, realTimers(object))),
		);
		expect(object.calls).toHaveLength(1);
		expect(object.calls[0]?.map((a) => a.id)).toEqual(["a", "b", "c"]);
		expect(object.calls[0]?.every((a) => a.coalesced === true)).toBe(true);
		expect(answers.map((a) => a.answer.results[a.index])).toEqual([
			{ ok: true, reservation: { reservationId: "a" } },
			{ ok: true, reservation: { reservationId: "b" } },
			{ ok: false, code: "sold_out" },
		]);
		expect(answers.map((a) => a.via)).toEqual(["leader", "waiter", "waiter"]);
	});

	it("sends an attempt alone, unmarked, when nothing joins it", async () => {
		const object = new ModelObject(1, []);
		const coalescer = new ReserveCoalescer(50);
		const a: ReserveRequest = { id: "x", sessionId: "s", quantity: 1, idempotencyKey: null };
		const got = await coalescer.reserve("SKU", a, null, realTimers(object));
		expect(got.via).toBe("alone");
		expect(object.calls).toEqual([[a]]);
	});

	it("keeps batches apart by SKU and by limits", async () => {
		const object = new ModelObject(10, []);
		const coalescer = new ReserveCoalescer(50);
		const limits = { perSessionPerSec: 1 } as never;
		const a = oneUnitAttempt;
		await Promise.all([
			coalescer.reserve("A", a("1"), null, realTimers(object)),
			coalescer.reserve("B", a("2"), null, realTimers(object)),
			coalescer.reserve("A", a("3"), limits, realTimers(object)),
			coalescer.reserve("A", a("4"), null, realTimers(object)),
		]);
		const shapes = object.calls.map((c) => c.map((x) => x.id).join(",")).sort();
		// No call mixes SKUs or limits; an attempt with other limits opens the SKU's next batch.
		expect(shapes).toEqual(["1", "2", "3", "4"]);
	});

	it.each([
		["sleep", realTimers],
		["after", callbackTimers],
	] as const)(
		"every attempt gets its id's one decision, whatever happens to the leaders' calls (timers by %s)",
		{
			timeout: PROPERTY_TIMEOUT_MS,
		},
		async (_form, timers) => {
			await fc.assert(
				fc.asyncProperty(
					fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
					fc.array(fc.constantFrom<Fate>("answered", "failed", "late"), { maxLength: 5 }),
					fc.integer({ min: 0, max: 12 }),
					async (waves, fates, stock) => {
						const object = new ModelObject(stock, [...fates]);
						// A short guard, so waiters of a late call repeat their attempts long before it answers.
						const coalescer = new ReserveCoalescer(20);
						let n = 0;
						const pending: Promise<{ id: string; result: ReserveResult | undefined }>[] = [];
						for (const size of waves) {
							for (let i = 0; i < size; i++) {
								const a: ReserveRequest = {
									id: `w${n++}`,
									sessionId: "s",
									quantity: 1,
									idempotencyKey: null,
								};
								pending.push(
									coalescer
										.reserve("SKU", a, null, timers(object))
										.then((got) => ({ id: a.id, result: got.answer.results[got.index] })),
								);
							}
							// The next wave arrives in a later turn: a new batch.
							await new Promise((resolve) => setTimeout(resolve, 0));
						}
						const answers = await Promise.all(pending);
						for (const { id, result } of answers) expect(result).toEqual(object.decided.get(id));
						expect(object.decisions).toBe(n);
						const held = answers.filter((a) => a.result?.ok === true).length;
						expect(held).toBe(Math.min(stock, n));
					},
				),
				{ numRuns: 40 },
			);
		},
	);
});

describe("attempt memo", () => {
	it("keeps the first decision of an id, for its window only", () => {
		const memo = new AttemptMemo<string>(0, 100, 10);
		memo.remember("a", "first", 0);
		memo.remember("a", "second", 10);
		expect(memo.get("a", 50)).toBe("first");
		expect(memo.get("a", 100)).toBeNull();
		memo.prune(100);
		expect(memo.size).toBe(0);
	});

	it("forgets the oldest first beyond its bound, and prunes oldest first", () => {
		const memo = new AttemptMemo<number>(0, 1_000, 3);
		for (let i = 0; i < 5; i++) memo.remember(`id${i}`, i, i * 10);
		expect(memo.size).toBe(3);
		expect(memo.get("id0", 50)).toBeNull();
		expect(memo.get("id4", 50)).toBe(4);
		memo.prune(1_025);
		expect(memo.get("id2", 1_025)).toBeNull();
		expect(memo.get("id3", 1_025)).toBe(3);
		memo.clear(1_030);
		expect(memo.size).toBe(0);
	});

	// A first arrival the memo vouches for skips the look for a hold stored under its id
	// (inventory/decide-group.ts): the memo must vouch only where no decision can be missing.
	it("vouches only for ids minted after every decision it may have lost", () => {
		const skew = ID_CLOCK_SKEW_MS;
		const memo = new AttemptMemo<number>(10_000, 5_000, 2);
		// Decisions of an earlier life of the object (before 10,000) are not in it.
		expect(memo.vouchesFor(10_000 + skew, 10_100)).toBe(false);
		expect(memo.vouchesFor(10_001 + skew, 10_100)).toBe(true);
		// Entries past the age bound are forgotten: ids minted before then are not vouched for.
		expect(memo.vouchesFor(20_000 - 5_000 + skew, 20_000)).toBe(false);
		expect(memo.vouchesFor(20_001 - 5_000 + skew, 20_000)).toBe(true);
		// An entry dropped for the count bound: ids minted up to its decision are not vouched for.
		memo.remember("a", 1, 30_000);
		memo.remember("b", 2, 30_010);
		memo.remember("c", 3, 30_020);
		expect(memo.get("a", 30_020)).toBeNull();
		expect(memo.vouchesFor(30_000 + skew, 30_020)).toBe(false);
		expect(memo.vouchesFor(30_001 + skew, 30_020)).toBe(true);
		// A clear forgets everything up to its moment.
		memo.clear(31_000);
		expect(memo.vouchesFor(31_000 + skew, 31_100)).toBe(false);
		expect(memo.vouchesFor(31_001 + skew, 31_100)).toBe(true);
		// An id without a clock is never vouched for.
		expect(memo.vouchesFor(null, 31_100)).toBe(false);
	});
});
