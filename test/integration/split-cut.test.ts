// A cut of a split SKU's totalStock (docs/api.md, "Shards";
// docs/decisions/168-a-refused-split-cut-changes-nothing.md). A refused cut changes nothing: no
// shard's allotment goes back to the pool and no event is written, even when units are claimed
// by calls in a shard's group commit, or a buyer reserves while the cut runs. A cut that cannot
// be decided because a shard cannot be counted is a 503 with Retry-After, not a 409.
//
// Before: the count read every shard's available units, claimed ones included, while the fold
// back took only unclaimed ones, so a cut the count covered was refused after every shard had
// given its units back (an event each); a buyer reserving between the count and the fold back
// did the same; and a shard that could not answer counted none, so the cut was refused 409.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ShardEscrow } from "../../src/inventory/escrow-shard.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { patch, stats, trail } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import {
	buyersOnEveryShard,
	checkEscrow,
	createSharded,
	escrowOf,
	expectShardsReplay,
	reserve,
} from "./shards-support.ts";
import { aroundShardCalls, coordinator, withShardsUnreachable } from "./shards-unreachable.ts";
import {
	answersThenNoPause,
	coordinatorEscrow,
	coordinatorFlag,
	letCutGoOn,
	operatorChanges,
	type Paused,
	patchBehindCut,
	pauseAfterShardOneCounted,
} from "./split-cut-pause.ts";

/** The escrow of shard `index`'s object (its internals: these tests stand in for calls in flight). */
const insideShard = <T>(sku: string, index: number, act: (escrow: ShardEscrow) => T) =>
	runInDurableObject(shardStub(sku, index), (instance: InventoryObject) =>
		act((instance as unknown as { escrow: ShardEscrow }).escrow),
	);

describe("a cut of a split SKU's totalStock", () => {
	it("refused while a shard's units are claimed by calls in flight, it moves nothing and writes no event", async () => {
		// 20 units, 2 shards: 5 in each, 10 in the pool.
		const sku = await createSharded(20, 2, 5);
		const before = await stats(sku);
		checkEscrow(before);
		expect(before.pool).toBe(10);
		const eventsBefore = (await trail(sku)).length;
		// A call in shard 1's group commit has claimed 3 of its 5 units (admitted, not decided).
		await insideShard(sku, 1, (escrow) => {
			void escrow.admit(3);
		});
		// 17 units are unsold and unclaimed: a cut of 18 cannot be covered.
		const res = await patch(sku, { totalStock: 2 });
		expect(res.status, JSON.stringify(res.body)).toBe(409);
		expect(res.body.error?.code).toBe("invalid_state");
		const after = await stats(sku);
		checkEscrow(after);
		expect(escrowOf(after)).toEqual(escrowOf(before));
		expect((await trail(sku)).length).toBe(eventsBefore);
		// The call is decided without taking them: the same cut is covered now.
		await insideShard(sku, 1, (escrow) => escrow.decided(3));
		const down = await patch(sku, { totalStock: 2 });
		expect(down.status, JSON.stringify(down.body)).toBe(200);
		expect(down.body.data?.totalStock).toBe(2);
		checkEscrow(await stats(sku));
	});

	it("a buyer reserving while the cut runs cannot take the units it counted: the cut goes through and the buyer is told sold_out", async () => {
		const sku = await createSharded(20, 2, 5);
		const buyer = (await buyersOnEveryShard(2, 1))[1];
		if (buyer === undefined) throw new Error("no buyer on shard 1");
		checkEscrow(await stats(sku));
		await pauseAfterShardOneCounted(sku);
		try {
			// Every unit is unsold: a cut to 0 is covered when counted.
			const cut = patch(sku, { totalStock: 0 });
			while (!(await coordinatorFlag(sku, (o) => o.cutCounted === true))) await sleep(5);
			// Shard 1 is counted and the cut waits: a buyer of shard 1 reserves now.
			let answered = false;
			const bought = reserve(buyer, sku).finally(() => {
				answered = true;
			});
			// Until the buyer is answered, or waits in shard 1 for the cut's outcome.
			while (!answered && (await insideShard(sku, 1, waiting)) === 0) await sleep(5);
			await letCutGoOn(sku);
			const res = await cut;
			const buyerAnswer = await bought;
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			expect(res.body.data?.totalStock).toBe(0);
			expect(buyerAnswer.status, JSON.stringify(buyerAnswer.body)).toBe(409);
			expect(buyerAnswer.body.error?.code).toBe("sold_out");
		} finally {
			await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
				const object = instance as unknown as Partial<Paused>;
				object.cutGoOn = true;
				delete object.peerStub;
			});
		}
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(0);
		expect(after.reserved).toBe(0);
	});

	it("a cut the pool cannot cover while a shard cannot be counted is a 503 with Retry-After, and changes nothing", async () => {
		const sku = await createSharded(20, 2, 5);
		const before = await stats(sku);
		checkEscrow(before);
		const eventsBefore = (await trail(sku)).length;
		// The pool's 10 and shard 0's 5 cover a cut of 15, not one of 16: shard 1's count decides it.
		const res = await withShardsUnreachable(sku, () => patch(sku, { totalStock: 4 }));
		expect(res.status, JSON.stringify(res.body)).toBe(503);
		expect(res.body.error?.code).toBe("unavailable");
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
		const after = await stats(sku);
		checkEscrow(after);
		expect(escrowOf(after)).toEqual(escrowOf(before));
		expect((await trail(sku)).length).toBe(eventsBefore);
		// Shard 0's units are its buyers' again; once shard 1 answers, the same cut goes through.
		const again = await patch(sku, { totalStock: 4 });
		expect(again.status, JSON.stringify(again.body)).toBe(200);
		expect(again.body.data?.totalStock).toBe(4);
		checkEscrow(await stats(sku));
	});

	// docs/decisions/180-one-change-of-the-total-at-a-time.md. Before: the changes waiting
	// behind a cut in flight all woke when it ended and passed "no cut running" together; both
	// took the shards' units from the same old total, the SKU ended at 7 and both answered 7.
	it("changes of the total waiting behind a cut in flight run one after the other: the last one's total stands", async () => {
		const sku = await createSharded(20, 2, 5);
		// A background refill's grant (pool only) moves the pool's 10 to shard 1: the pool is 0.
		await runInDurableObject(coordinator(sku), async (instance: InventoryObject) => {
			expect(await coordinatorEscrow(instance).requestGrant(1, 10, false)).toBe(10);
		});
		const buyer = (await buyersOnEveryShard(2, 1))[1];
		if (buyer === undefined) throw new Error("no buyer on shard 1");
		expect((await reserve(buyer, sku)).status).toBe(201);
		checkEscrow(await stats(sku));
		const changes = await countChangesOfTotal(sku);
		await pauseAfterShardOneCounted(sku);
		const sent: ReturnType<typeof patch>[] = [];
		try {
			// A cut to 0 (below the unit held: refused) waits after shard 1's count; two more
			// changes arrive behind it, in this order.
			sent.push(patch(sku, { totalStock: 0 }));
			while (!(await coordinatorFlag(sku, (o) => o.cutCounted === true))) await sleep(5);
			for (const totalStock of [15, 12]) {
				sent.push(patch(sku, { totalStock }));
				while ((await changes()) < sent.length) await sleep(5);
			}
		} finally {
			await letCutGoOn(sku);
		}
		const answers = await answersThenNoPause(sku, sent);
		expect(answers.map((r) => r.status)).toEqual([409, 200, 200]);
		// Each 200 is the product as it is when answered (docs/api.md): the last change's total,
		// or for the first, its own if it was answered before the last one ran.
		const [, first, last] = answers.map((r) => r.body.data?.totalStock);
		expect([15, 12]).toContain(first);
		expect(last).toBe(12);
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(12);
		// The trail replays to it: the operator's last total, and each shard's allotment.
		const events = await trail(sku);
		expect(operatorChanges(events, "totalStock").at(-1)).toBe(12);
		expectShardsReplay(events, after);
	});

	// docs/decisions/180-one-change-of-the-total-at-a-time.md. Before: a cut did not wait for
	// a stats read in progress; the read counted shard 0 before its give-back and the pool
	// after it, and shard 1 after it had given its units back: 17 of 20.
	it("a stats read in progress and a cut do not overlap: the read adds up", async () => {
		const sku = await createSharded(20, 2, 5);
		// Allotments 5 and 8, the pool 7: a cut to 4 needs both shards' units.
		await runInDurableObject(coordinator(sku), async (instance: InventoryObject) => {
			expect(await coordinatorEscrow(instance).requestGrant(1, 3, false)).toBe(3);
		});
		const changes = await countChangesOfTotal(sku);
		await holdStatsForCut(sku);
		try {
			const read = stats(sku);
			while (!(await coordinatorFlag(sku, (o) => (o as Held).countersAsked === true)))
				await sleep(5);
			const cut = patch(sku, { totalStock: 4 });
			while ((await changes()) < 1) await sleep(5);
			const s = await read;
			await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
				(instance as unknown as Held).statsDone = true;
			});
			const res = await cut;
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			expect(s.total).toBe(20);
			checkEscrow(s);
		} finally {
			await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
				const object = instance as unknown as Partial<Held>;
				object.statsDone = true;
				delete object.peerStub;
			});
		}
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(4);
	});

	// docs/decisions/184-review-35s-findings.md. Before: a PATCH naming the total the SKU had was
	// compared with it before taking its turn; sent while a cut to 1 was decided, it was answered
	// 200 at once, recorded nothing, and the cut stood: the SKU ended at 1.
	it("a PATCH setting the total back while a cut runs waits for the cut, and its total stands", async () => {
		const sku = await createSharded(20, 2, 5);
		const answers = await patchBehindCut(sku, { totalStock: 1 }, { totalStock: 20 });
		expect(answers.map((r) => r.status)).toEqual([200, 200]);
		expect(answers[1]?.body.data?.totalStock).toBe(20);
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(20);
		// Both changes are in the trail, in order, and each shard's trail replays to its allotment.
		const events = await trail(sku);
		expect(operatorChanges(events, "totalStock").slice(-2)).toEqual([1, 20]);
		expectShardsReplay(events, after);
	});

	// docs/decisions/186-review-36s-findings.md. Before: a PATCH without totalStock took no turn;
	// sent while a cut was decided, it was applied and answered 200 at once, and the cut's PATCH
	// wrote its own perUserLimit, read before its awaits, when the cut ended: the SKU ended at 2.
	it("a PATCH of other fields sent while a cut runs waits for the cut, and its change stands", async () => {
		const sku = await createSharded(20, 2, 5);
		const answers = await patchBehindCut(
			sku,
			{ totalStock: 1, perUserLimit: 2 },
			{ perUserLimit: 4 },
		);
		expect(answers.map((r) => r.status)).toEqual([200, 200]);
		expect(answers[1]?.body.data).toMatchObject({ totalStock: 1, perUserLimit: 4 });
		const product = await patch(sku, {});
		expect(product.body.data).toMatchObject({ totalStock: 1, perUserLimit: 4 });
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(1);
		// Both changes are in the trail, in order, and each shard's trail replays to its allotment.
		const events = await trail(sku);
		expect(operatorChanges(events, "perUserLimit").slice(-2)).toEqual([2, 4]);
		expectShardsReplay(events, after);
	});
});

/** Counts the coordinator's changes of totalStock as they arrive, before each waits its turn. */
async function countChangesOfTotal(sku: string): Promise<() => Promise<number>> {
	type Counted = { changesOfTotal: number };
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		const escrow = coordinatorEscrow(instance);
		const real = escrow.changeTotal.bind(escrow);
		const counted = instance as unknown as Counted;
		counted.changesOfTotal = 0;
		escrow.changeTotal = (decide) => {
			counted.changesOfTotal += 1;
			return real(decide);
		};
	});
	return () =>
		runInDurableObject(
			coordinator(sku),
			(instance: InventoryObject) => (instance as unknown as Counted).changesOfTotal,
		);
}

/** The coordinator's calls to its shards, with shard 1's counters for a stats read held. */
type Held = Paused & { countersAsked?: boolean; gaveAll?: boolean; statsDone?: boolean };

/**
 * Shard 1's counters for a stats read wait until a cut has taken shard 1's units (that cut then
 * waits for the read to end before they are credited), or until a cut waits for the read (a
 * turn waits in the coordinator's move gate, inventory/escrow-moves.ts).
 */
async function holdStatsForCut(sku: string): Promise<void> {
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		const object = instance as unknown as Held;
		const gate = (coordinatorEscrow(instance) as unknown as { moves: { aloneWaiting?: number } })
			.moves;
		aroundShardCalls(instance, async ({ index, method, args, call }) => {
			if (index === 1 && method === "escrowCounters" && object.countersAsked !== true) {
				object.countersAsked = true;
				while (object.gaveAll !== true && (gate.aloneWaiting ?? 0) === 0) await sleep(5);
			}
			const answer = await call();
			if (index === 1 && method === "escrowGiveBack" && args[0] === "all") {
				object.gaveAll = true;
				while (object.statsDone !== true) await sleep(5);
			}
			return answer;
		});
	});
}

/** Units of reserve calls waiting in a shard before they are admitted (its internals). */
function waiting(escrow: ShardEscrow): number {
	return (escrow as unknown as { waitingUnits: number }).waitingUnits;
}
