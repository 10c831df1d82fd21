// A batch rolled back in a split SKU's coordinator while a cut of its total runs
// (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md): the coordinator reads its model
// again from storage, and keeps the one escrow the cut holds, with its move gate. The batch's
// buyer is answered 503 (the object's storage failing), and a change of the total sent after it
// still waits for the cut.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { call, stats, trail } from "./helpers.ts";
import {
	buyersOnEveryShard,
	checkEscrow,
	createSharded,
	expectShardsReplay,
	reserve,
} from "./shards-support.ts";
import { coordinator } from "./shards-unreachable.ts";
import { coordinatorFlag, operatorChanges, patchBehindCut } from "./split-cut-pause.ts";

describe("a cut of a split SKU's totalStock beside a rolled-back batch", () => {
	// R36-7 (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md). Before: a batch rolled
	// back in the coordinator (its own shard's buyers) rebuilt the escrow from storage as a new
	// object with a move gate of its own, while the cut went on in the old one: a change sent
	// then took its turn at once from the old total (20 → 12), and the cut, ending later, saved
	// its own ledger over it (→ 3).
	it("a batch rolled back in the coordinator while a cut runs: a change sent after it still waits for the cut, and its total stands", async () => {
		const sku = await createSharded(20, 2, 5);
		const buyer = (await buyersOnEveryShard(2, 1))[0];
		if (buyer === undefined) throw new Error("no buyer on shard 0");
		const held = await reserve(buyer, sku);
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		const id = held.body.data?.reservationId;
		const answers = await patchBehindCut(sku, { totalStock: 3 }, { totalStock: 12 }, async () => {
			// The buyer's cancel is decided in a batch whose commit fails (as a full disk would):
			// its writes are rolled back and the coordinator rebuilds its model from storage.
			await failNextCommit(sku);
			const cancel = await call("DELETE", `/api/reservations/${id}`, { token: buyer.token });
			expect(cancel.status, JSON.stringify(cancel.body)).toBe(503);
			expect(await coordinatorFlag(sku, (o) => (o as unknown as Failing).failNext === true)).toBe(
				false,
			);
		});
		expect(answers.map((r) => r.status)).toEqual([200, 200]);
		// Each 200 is the product as it is when answered (docs/api.md): the cut's may already show 12.
		const [first, last] = answers.map((r) => r.body.data?.totalStock);
		expect([3, 12]).toContain(first);
		expect(last).toBe(12);
		const after = await stats(sku);
		checkEscrow(after);
		expect(after.total).toBe(12);
		expect(after.reserved).toBe(1);
		const events = await trail(sku);
		expect(operatorChanges(events, "totalStock").slice(-2)).toEqual([3, 12]);
		expectShardsReplay(events, after);
	});
});

type Failing = { failNext?: boolean; decideHost: () => { storage: unknown } };

/**
 * The coordinator's next group commit fails after its writes, as SQLite does when the disk is
 * full: the transaction is rolled back and the batch throws (inventory/decide-group.ts).
 */
const failNextCommit = (sku: string) =>
	runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		const object = instance as unknown as Failing;
		const host = object.decideHost.bind(object);
		object.failNext = true;
		object.decideHost = () => {
			const h = host();
			if (object.failNext !== true) return h;
			const storage = h.storage as DurableObjectStorage;
			return {
				...h,
				storage: {
					transactionSync<T>(fn: () => T): T {
						object.failNext = false;
						object.decideHost = host;
						return storage.transactionSync(() => {
							fn();
							throw new Error("database or disk is full: SQLITE_FULL");
						});
					},
				},
			};
		};
	});
