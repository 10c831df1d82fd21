// The bounded adaptive wait of docs/decisions/046-spaced-commits.md: a batch that would start
// right after the previous one waits for the rest of the gap, and the calls arriving meanwhile
// share it. Checked here on the rule itself (src/domain/batch.ts `spacedWaitMs`), on the SKU
// object's queue (src/inventory/group-commit.ts) and on the edge's coalescer
// (src/worker/reserve-coalescer.ts), with fake timers: a waited batch still answers in arrival
// order, nothing is answered before its batch was decided (the object's commit), and an idle
// SKU waits nothing.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { spacedWaitMs } from "../../src/domain/batch.ts";
import { GroupCommit } from "../../src/inventory/group-commit.ts";
import type { ReserveAnswer } from "../../src/inventory/rpc.ts";
import { type CoalesceEnv, ReserveCoalescer } from "../../src/worker/reserve-coalescer.ts";
import { oneUnitAttempt, soldOutAnswer } from "./reserve-attempt.ts";

describe("spacedWaitMs", () => {
	it("waits nothing when idle, the rest of the gap right after a batch, never more than the gap", () => {
		expect(spacedWaitMs(null, 1_000, 4)).toBe(0);
		expect(spacedWaitMs(990, 1_000, 4)).toBe(0);
		expect(spacedWaitMs(996, 1_000, 4)).toBe(0);
		expect(spacedWaitMs(997, 1_000, 4)).toBe(1);
		expect(spacedWaitMs(1_000, 1_000, 4)).toBe(4);
		// A clock that went back never makes the wait longer than the gap.
		expect(spacedWaitMs(1_050, 1_000, 4)).toBe(4);
		expect(spacedWaitMs(1_000, 1_000, 0)).toBe(0);
	});
});

describe("spaced group commit", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("an idle queue decides after one turn; the next batch waits for the gap and takes what arrives meanwhile, in order", async () => {
		const decided: string[][] = [];
		/** Items whose batch was decided (the object's transaction ran): answers only after it. */
		const committed = new Set<string>();
		const group = new GroupCommit<string, string>(
			(items) => {
				decided.push([...items]);
				for (const item of items) committed.add(item);
				return items.map((item) => `answer:${item}`);
			},
			256,
			0,
			4,
			Date.now,
		);
		const answered: string[] = [];
		const submit = (item: string) =>
			group.submit(item).then((answer) => {
				// Nothing is answered before its batch was decided.
				expect(committed.has(item)).toBe(true);
				answered.push(answer);
			});

		const first = submit("a");
		await vi.advanceTimersByTimeAsync(0);
		expect(decided).toEqual([["a"]]);
		await first;

		// Right after that batch: the next one waits for the rest of the 4 ms gap…
		const waiting = [submit("b")];
		await vi.advanceTimersByTimeAsync(1);
		waiting.push(submit("c"));
		await vi.advanceTimersByTimeAsync(1);
		waiting.push(submit("d"));
		expect(decided).toHaveLength(1);
		expect(answered).toEqual(["answer:a"]);
		await vi.advanceTimersByTimeAsync(2);
		await Promise.all(waiting);
		// …and decides everything that arrived meanwhile in one batch, in arrival order.
		expect(decided).toEqual([["a"], ["b", "c", "d"]]);
		expect(answered).toEqual(["answer:a", "answer:b", "answer:c", "answer:d"]);

		// Idle again (longer than the gap since the last batch): one turn only.
		await vi.advanceTimersByTimeAsync(10);
		const late = submit("e");
		await vi.advanceTimersByTimeAsync(0);
		await late;
		expect(decided.at(-1)).toEqual(["e"]);
	});

	it("a full queue is decided at once, without waiting for the gap", async () => {
		const decided: number[][] = [];
		const group = new GroupCommit<number, number>(
			(items) => {
				decided.push([...items]);
				return items;
			},
			3,
			0,
			4,
			Date.now,
		);
		await Promise.all([group.submit(0), vi.advanceTimersByTimeAsync(0)]);
		const full = [group.submit(1), group.submit(2), group.submit(3)];
		expect(decided).toEqual([[0], [1, 2, 3]]);
		expect(await Promise.all(full)).toEqual([1, 2, 3]);
	});

	it("a batch that fails rejects every caller of it, waited or not", async () => {
		const group = new GroupCommit<string, string>(
			(items) => {
				if (items.includes("bad")) throw new Error("rolled back");
				return items;
			},
			256,
			0,
			4,
			Date.now,
		);
		const first = group.submit("a");
		await vi.advanceTimersByTimeAsync(0);
		await first;
		const both = [group.submit("b"), group.submit("bad")].map((p) =>
			p.then(
				() => "answered",
				(error: Error) => error.message,
			),
		);
		await vi.advanceTimersByTimeAsync(4);
		expect(await Promise.all(both)).toEqual(["rolled back", "rolled back"]);
	});
});

describe("spaced coalescer", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	const attempt = oneUnitAttempt;

	it("a batch right after the previous send waits for the gap, takes the attempts of that gap in order, and its waiters do not poll before it is sent", async () => {
		const calls: string[][] = [];
		const sleeps: number[] = [];
		const env: CoalesceEnv = {
			send: (attempts) => {
				calls.push(attempts.map((a) => a.id));
				const answer = soldOutAnswer(attempts);
				return new Promise((resolve) => setTimeout(() => resolve(answer), 1));
			},
			sleep: (ms) => {
				sleeps.push(ms);
				return new Promise((resolve) => setTimeout(resolve, ms));
			},
			nowMs: Date.now,
		};
		const coalescer = new ReserveCoalescer(2_000, 0, 4);
		const idOf = (got: { answer: ReserveAnswer; index: number }) =>
			(got.answer.results[got.index] as unknown as { id: string }).id;

		const first = coalescer.reserve("SKU", attempt("a"), null, env);
		await vi.advanceTimersByTimeAsync(0);
		expect(calls).toEqual([["a"]]);
		await vi.advanceTimersByTimeAsync(1);
		expect(idOf(await first)).toBe("a");

		// 1 ms after the first send (its answer took 1 ms): the next batch waits 3 ms more.
		sleeps.length = 0;
		const second = [coalescer.reserve("SKU", attempt("b"), null, env)];
		await vi.advanceTimersByTimeAsync(1);
		second.push(coalescer.reserve("SKU", attempt("c"), null, env));
		await vi.advanceTimersByTimeAsync(1);
		second.push(coalescer.reserve("SKU", attempt("d"), null, env));
		expect(calls).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(calls).toEqual([["a"], ["b", "c", "d"]]);
		const got = await Promise.all([vi.advanceTimersByTimeAsync(5), ...second]);
		expect(got.slice(1).map((g) => idOf(g as { answer: ReserveAnswer; index: number }))).toEqual([
			"b",
			"c",
			"d",
		]);
		// The leader slept the rest of the gap once; each waiter's first sleep reached past the send.
		expect(sleeps[0]).toBe(3);
		expect(sleeps[1]).toBe(3); // joined 1 ms after the batch opened, sent 2 ms later, +1 ms poll
		expect(sleeps[2]).toBe(2);
	});
});
