// Group commit in the SKU object (src/inventory/group-commit.ts): calls that
// arrive together are decided together, in arrival order, and written in one
// transaction; rejections cost no commit of their own; stats say how many
// decisions each commit carried. Calls are submitted from inside the object in
// one synchronous turn, so "arrive together" is exact, not a matter of timing.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { ReserveAnswer, ReserveRequest } from "../../src/inventory/rpc.ts";
import { createProduct, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const attempt = (
	id: string,
	sessionId: string,
	idempotencyKey: string | null = null,
): ReserveRequest => ({ id: `rsv_${id}`, sessionId, quantity: 1, idempotencyKey });

/** Submits every call in one synchronous turn of the object, then awaits them all. */
async function together(sku: string, calls: ReserveRequest[][]): Promise<ReserveAnswer[]> {
	return runInDurableObject(stubOf(sku), (instance: InventoryObject) =>
		Promise.all(calls.map((attempts) => instance.reserveWithMeta(attempts))),
	);
}

describe("group commit", () => {
	it("decides calls that arrive together in one commit, in arrival order", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 10 });
		const calls = Array.from({ length: 8 }, (_, i) => [attempt(`g${i}`, `s${i}`)]);
		const answers = await together(sku, calls);
		const results = answers.map((a) => a.results[0]);
		// Arrival order decides who gets the five units.
		expect(results.slice(0, 5).every((r) => r?.ok === true)).toBe(true);
		expect(results.slice(5)).toEqual([
			{ ok: false, code: "sold_out" },
			{ ok: false, code: "sold_out" },
			{ ok: false, code: "sold_out" },
		]);
		// Every answer carries the SKU's state right after the batch, for the edge.
		for (const a of answers)
			expect(a.snapshot?.availability).toMatchObject({ available: 0, reserved: 5 });
		expect(await stats(sku)).toMatchObject({
			decisions: 8,
			commits: 1,
			reserved: 5,
			oversellCount: 0,
		});
		// The records agree with the answers: five holds, readable by their sessions.
		for (let i = 0; i < 5; i++) {
			expect(await stubOf(sku).reservation(`rsv_g${i}`, `s${i}`)).toMatchObject({
				ok: true,
				reservation: { status: "RESERVED" },
			});
		}
	});

	it("answers an Idempotency-Key replay in the same batch identically and takes one hold", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 10 });
		const answers = await together(sku, [
			[attempt("first", "buyer", "key-1")],
			[attempt("second", "buyer", "key-1")],
			[attempt("other", "someone-else", "key-1")],
		]);
		const [first, second, other] = answers.map((a) => a.results[0]);
		expect(first).toMatchObject({ ok: true, reservation: { reservationId: "rsv_first" } });
		expect(second).toEqual({ ...first, replayed: true });
		expect(other).toMatchObject({ ok: true, reservation: { reservationId: "rsv_other" } });
		expect(await stats(sku)).toMatchObject({ reserved: 2, decisions: 3, commits: 1 });
		// And later, from storage, the same answer again.
		const [later] = await stubOf(sku).reserve([attempt("third", "buyer", "key-1")]);
		expect(later).toEqual({ ...first, replayed: true });
	});

	it("keeps cancels in arrival order with the attempts around them", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 10 });
		const [held] = await stubOf(sku).reserve([attempt("held", "a")]);
		expect(held?.ok).toBe(true);
		const [before, cancelled, after] = await runInDurableObject(
			stubOf(sku),
			(instance: InventoryObject) =>
				Promise.all([
					instance.reserve([attempt("early", "b")]),
					instance.cancel("rsv_held", "a"),
					instance.reserve([attempt("late", "c")]),
				]),
		);
		expect(before).toEqual([{ ok: false, code: "sold_out" }]);
		expect(cancelled).toMatchObject({ ok: true, reservation: { status: "CANCELLED" } });
		expect(after).toMatchObject([{ ok: true, reservation: { reservationId: "rsv_late" } }]);
	});

	it("writes nothing for rejections that change only counters", async () => {
		const sku = await createProduct({ totalStock: 0 });
		const calls = Array.from({ length: 20 }, (_, i) => [attempt(`r${i}`, `s${i}`)]);
		await together(sku, calls);
		await together(
			sku,
			calls.map((c, i) => [{ ...c[0], id: `rsv_again${i}` } as ReserveRequest]),
		);
		const s = await stats(sku);
		expect(s).toMatchObject({
			decisions: 40,
			commits: 0,
			attempts: 40,
			rejected: { sold_out: 40 },
		});
	});

	it("stores keyed rejections in the batch's one commit, so a replay after a restart is exact", async () => {
		const sku = await createProduct({ totalStock: 0 });
		const calls = Array.from({ length: 10 }, (_, i) => [attempt(`k${i}`, `s${i}`, `key-${i}`)]);
		await together(sku, calls);
		expect(await stats(sku)).toMatchObject({ decisions: 10, commits: 1 });
		const [replay] = await stubOf(sku).reserve([attempt("k-again", "s3", "key-3")]);
		expect(replay).toEqual({ ok: false, code: "sold_out", replayed: true });
	});

	it("refuses a malformed attempt alone, before it can fail anyone else's batch", async () => {
		const sku = await createProduct({ totalStock: 3, perUserLimit: 10 });
		await runInDurableObject(stubOf(sku), async (instance: InventoryObject) => {
			const good = instance.reserveWithMeta([attempt("good", "s1")]);
			expect(() => instance.reserveWithMeta([{ ...attempt("bad", "s2"), quantity: 0 }])).toThrow(
				RangeError,
			);
			expect((await good).results[0]).toMatchObject({ ok: true });
		});
		expect(await stats(sku)).toMatchObject({ reserved: 1, decisions: 1 });
	});
});
