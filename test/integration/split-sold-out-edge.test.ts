// A split SKU's sold-out answer at the edge (docs/hot-path/how-it-works.md, "Answers at the edge";
// docs/decisions/145-a-split-skus-sold-out-at-the-edge.md): once a shard found no unit anywhere,
// the edge asks the coordinator for its merged copy and answers unkeyed attempts from it, kept
// fresh ahead of EDGE_SNAPSHOT_MAX_AGE_MS, as on one object — no object call per answer after
// the shard's memo ends — and a unit that comes back on any shard still sells within the bound.
// The calls are counted as the answers report them (meta.cost.usage.doRequests: a background
// refresh counts on the answer that sent it, a shared call on its leader's answer).

import { describe, expect, it, vi } from "vitest";
import { EXHAUSTED_MEMO_MS } from "../../src/domain/escrow.ts";
import type { CostLedger } from "../../src/shared/types.ts";
import { EDGE_SNAPSHOT_MAX_AGE_MS, freshSnapshot } from "../../src/worker/edge-snapshot.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call, stats } from "./helpers.ts";
import {
	type Buyer,
	buyers,
	buyersOnEveryShard,
	checkEscrow,
	createSharded,
	reserve,
} from "./shards-support.ts";

const SHARDS = 4;

type Answer = Awaited<ReturnType<typeof reserve>>;

/** A sold_out answer, and the object calls its request made. */
function soldOutCalls(res: Answer, what: string): number {
	expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(409);
	expect(res.body.error?.code).toBe("sold_out");
	const cost = (res.body.meta as { cost?: CostLedger } | undefined)?.cost;
	if (cost === undefined) throw new Error(`${what}: no meta.cost`);
	return cost.usage.doRequests;
}

/** Waits until the edge's copy of `sku` would still answer at `atMs` (a background call landed). */
async function copyFreshAt(sku: string, atMs: number): Promise<void> {
	await vi.waitFor(() => expect(freshSnapshot(sku, atMs)).not.toBeNull(), {
		timeout: 10_000,
		interval: 5,
	});
}

describe("a split SKU's sold-out answer at the edge", { timeout: 60_000 }, () => {
	it("costs no object call per answer after the shard's memo ends: the coordinator's copy answers, refreshed ahead", async () => {
		const sku = await createSharded(1, SHARDS, 5);
		// The clock is the test's (./held-clock.ts): the memo and the bound to the millisecond. It
		// is held from before the sessions' first spend, so their cost-ledger calls, due
		// LEDGER_FLUSH_MS after it on this clock (src/worker/cost/ledger.ts), fall after the test
		// however long a busy machine takes to run it.
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const crowd = await buyers(16);
			const [first] = crowd;
			if (first === undefined) throw new Error("no buyer");
			// One attempt per session first: each session's cost-ledger entry is opened (a call of
			// its own, not the SKU's), and the one unit is taken.
			expect((await reserve(first, sku)).status).toBe(201);
			for (const b of crowd.slice(1)) expect((await reserve(b, sku)).status).toBe(409);
			// Past every memo so far: this attempt's shard asks the coordinator, finds nothing
			// anywhere, and the edge hears it (the memo) and asks for the coordinator's copy.
			setMs(t0 + EXHAUSTED_MEMO_MS + 1);
			soldOutCalls(await reserve(first, sku), "the shard's answer");
			const edgeBefore = (await stats(sku)).edgeAnswered;
			// Bursts every 30 ms for six memos' length: the memo alone covers the first 100 ms.
			const STEP_MS = 30;
			const STEPS = 20;
			let calls = 0;
			let answered = 0;
			for (let step = 1; step <= STEPS; step++) {
				const atMs = t0 + EXHAUSTED_MEMO_MS + 1 + step * STEP_MS;
				setMs(atMs);
				const burst = await Promise.all(crowd.map((b) => reserve(b, sku)));
				calls += burst.reduce((n, res, i) => n + soldOutCalls(res, `step ${step}, ${i}`), 0);
				answered += burst.length;
				// A refresh this step sent lands before the next step (nobody waits on it).
				await copyFreshAt(sku, atMs + STEP_MS);
			}
			const s = await stats(sku);
			// Every attempt answered at the edge, none decided by a shard...
			expect(s.edgeAnswered - edgeBefore).toBe(answered);
			// ...for at most one background refresh per EDGE_SNAPSHOT_REFRESH_AFTER_MS (50 ms), and
			// a few to spare (no ledger call comes due on the held clock): 320 attempts, not one
			// call each once the memo ended.
			expect(calls, `${calls} object calls for ${answered} answers`).toBeLessThanOrEqual(
				(STEPS * STEP_MS) / (EDGE_SNAPSHOT_MAX_AGE_MS / 2) + 4,
			);
			checkEscrow(s);
			expect(s.reserved).toBe(1);
		});
	});

	it("shares a shard's calls among unkeyed attempts that arrive while the edge has no fresh copy", async () => {
		const sku = await createSharded(1, SHARDS, 5);
		// Held from before the sessions' first spend, as above: no cost-ledger call falls in the burst.
		await withHeldClock(async (setMs) => {
			const crowd = await buyers(8);
			const [first] = crowd;
			if (first === undefined) throw new Error("no buyer");
			expect((await reserve(first, sku)).status).toBe(201);
			for (const b of crowd.slice(1)) expect((await reserve(b, sku)).status).toBe(409);
			// Past the memo and the copy: nothing at the edge answers the burst.
			const atMs = Date.now() + 10 * EDGE_SNAPSHOT_MAX_AGE_MS;
			setMs(atMs);
			expect(freshSnapshot(sku, atMs)).toBeNull();
			const burst = await Promise.all(
				Array.from({ length: 64 }, (_, i) => reserve(crowd[i % crowd.length] as Buyer, sku)),
			);
			const calls = burst.reduce((n, res, i) => n + soldOutCalls(res, `burst ${i}`), 0);
			// One call per attempt is 64; shared, a few per shard (and the copy's one).
			expect(calls, `${calls} object calls for 64 attempts`).toBeLessThanOrEqual(16);
		});
	});

	it("sells a unit that comes back on another shard within the bound, the edge's copy notwithstanding", async () => {
		// Two buyers per shard; one unit per shard's first buyer.
		const people = await buyersOnEveryShard(SHARDS, 2);
		const holders = people.slice(0, SHARDS);
		const waiters = people.slice(SHARDS);
		const sku = await createSharded(SHARDS, SHARDS, 1, 1);
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			// Shard 1's holder takes its unit first: it expires at t0 + 1000, the others later.
			const early = holders[1] as Buyer;
			expect((await reserve(early, sku)).status).toBe(201);
			setMs(t0 + 500);
			for (const h of holders) if (h !== early) expect((await reserve(h, sku)).status).toBe(201);
			// Sold out: a waiter of shard 0 hears it from its shard, the edge asks for the copy.
			const waiter = waiters[0] as Buyer;
			setMs(t0 + 600);
			soldOutCalls(await reserve(waiter, sku), "sold out");
			await copyFreshAt(sku, t0 + 600);
			// The edge answers from its copy, refreshed ahead while attempts come, up to the expiry.
			for (let atMs = t0 + 640; atMs < t0 + 1000; atMs += 40) {
				setMs(atMs);
				soldOutCalls(await reserve(waiter, sku), `at +${atMs - t0}`);
				await copyFreshAt(sku, atMs + 40);
			}
			// Shard 1's hold ended at t0 + 1000, told to nobody. Within the bound, a waiter of
			// another shard takes it (the copy, the memo and the shard's own memo all lapsed).
			setMs(t0 + 1000 + EDGE_SNAPSHOT_MAX_AGE_MS + 1);
			const again = await reserve(waiter, sku);
			expect(again.status, JSON.stringify(again.body)).toBe(201);
			// Read on the held clock: the other holds end at t0 + 1500, which the real clock may
			// have passed on a slow machine.
			const s = await stats(sku);
			checkEscrow(s);
			expect(s.reserved).toBe(SHARDS);
			expect(s.edgeAnswered).toBeGreaterThan(0);
		});
	});

	it("sells a restock within the bound of the shard's memo", async () => {
		const sku = await createSharded(1, SHARDS, 5);
		const [first, second] = await buyers(2);
		if (first === undefined || second === undefined) throw new Error("no buyer");
		expect((await reserve(first, sku)).status).toBe(201);
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			soldOutCalls(await reserve(second, sku), "sold out");
			soldOutCalls(await reserve(second, sku), "from the edge");
			const restock = await call("PATCH", `/api/admin/products/${sku}`, {
				token: ADMIN,
				body: { totalStock: 2 },
			});
			expect(restock.status, JSON.stringify(restock.body)).toBe(200);
			// The PATCH forgot the edge's copy; the shard's own memo (a unit nowhere, at t0) may
			// still answer until it lapses, and no longer.
			setMs(t0 + EXHAUSTED_MEMO_MS);
			const again = await reserve(second, sku);
			expect(again.status, JSON.stringify(again.body)).toBe(201);
		});
	});

	it("sells a restock as soon as the PATCH answers, keyed and unkeyed, on a shard that answered sold_out", async () => {
		// A holder, and a waiter on a shard that is not the coordinator: its memo is forgotten by a call.
		const people = await buyersOnEveryShard(SHARDS, 1);
		const holder = people[1] as Buyer;
		const waiter = people[2] as Buyer;
		const sku = await createSharded(1, SHARDS, 5);
		expect((await reserve(holder, sku)).status).toBe(201);
		await withHeldClock(async () => {
			// The waiter's shard finds no unit anywhere: its memo holds for EXHAUSTED_MEMO_MS from
			// now, and the clock does not move again in this test.
			soldOutCalls(await reserve(waiter, sku), "sold out");
			soldOutCalls(await reserve(waiter, sku), "from the edge");
			const restock = await call("PATCH", `/api/admin/products/${sku}`, {
				token: ADMIN,
				body: { totalStock: 5 },
			});
			expect(restock.status, JSON.stringify(restock.body)).toBe(200);
			const s = await stats(sku);
			expect([s.available, s.pool]).toEqual([4, 4]);
			// Right after the 200, on the memo's own millisecond: the PATCH told every shard to
			// forget it (docs/decisions/189-review-37s-findings.md §2).
			const keyed = await reserve(waiter, sku, "restock-1");
			expect(keyed.status, JSON.stringify(keyed.body)).toBe(201);
			const unkeyed = await reserve(waiter, sku);
			expect(unkeyed.status, JSON.stringify(unkeyed.body)).toBe(201);
			// The key's stored answer is the hold, not a sold_out.
			const replay = await reserve(waiter, sku, "restock-1");
			expect(replay.status, JSON.stringify(replay.body)).toBe(201);
			expect(replay.body.data?.reservationId).toBe(keyed.body.data?.reservationId);
			const after = await stats(sku);
			checkEscrow(after);
			expect(after.reserved).toBe(3);
		});
	});
});
