// What a shard's reserve call keeps from a fold-back while it waits in the group commit
// (src/inventory/shard-reserve.ts, escrow-shard.ts; docs/decisions/020-escrow-shards.md,
// "Asking for more, and folding back"): the units its attempts may take, and none for a
// session its purchase limit already refuses. Otherwise a buyer of another shard is
// answered sold_out while this shard keeps a unit nobody here can take (seen right after a
// restart, when the shard's calls wait longer: docs/decisions/073-room-and-escrow-after-a-restart.md).

import { describe, expect, it, vi } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { Inventory } from "../../src/domain/inventory.ts";
import type { ReserveOp } from "../../src/inventory/batch-decisions.ts";
import { type EscrowHost, ShardEscrow } from "../../src/inventory/escrow-shard.ts";
import type { ReserveAnswer } from "../../src/inventory/rpc.ts";
import { claimable, reserveSharded } from "../../src/inventory/shard-reserve.ts";
import type { RoomKeeper } from "../../src/inventory/waiting-room.ts";

const T0 = Date.UTC(2026, 0, 1);

/** A session id this shard (1 of 3) decides. */
function sessionOnShard1(n: number): string {
	let found = 0;
	for (let i = 0; ; i++) if (shardOf(`ses_${i}`, 3) === 1 && found++ === n) return `ses_${i}`;
}
const HOLDER = sessionOnShard1(0);

/** Shard 1 of 3 with an allotment of 2: HOLDER holds 1 unit (its limit), 1 unit is free. */
function shard() {
	const inv = Inventory.create(
		{
			sku: "CLAIM",
			name: "n",
			priceCents: 100,
			currency: "USD",
			totalStock: 2,
			holdSeconds: 600,
			perUserLimit: 1,
			startsAtMs: null,
		},
		T0,
	);
	const held = inv.reserve({
		id: "h1",
		sessionId: HOLDER,
		quantity: 1,
		idempotencyKey: null,
		nowMs: Date.now(),
	});
	expect(held.ok).toBe(true);
	const host = {
		sql: { exec: () => ({ toArray: () => [] }) },
		inventory: () => inv,
		persist: () => {},
		wake: () => {},
		// The low-water ask after the call finds nothing (the pool is empty).
		peer: () => ({ escrowRequestGrant: async () => 0 }),
	} as unknown as EscrowHost;
	const ledger = {
		sku: "CLAIM",
		shard: { index: 1, shards: 3, lastGrant: 1, returnSeq: 0, pendingReturns: [] },
		pool: null,
	};
	return { inv, escrow: new ShardEscrow(host, ledger) };
}

describe("a shard's reserve call and the fold-back", () => {
	it("an attempt its purchase limit refuses keeps no unit from a fold-back while it waits", async () => {
		const { inv, escrow } = shard();
		let decide: (answer: ReserveAnswer) => void = () => {};
		const submitted: ReserveOp[] = [];
		const host = {
			roomLink: null,
			room: {} as RoomKeeper,
			inventory: () => inv,
			submit: (op: ReserveOp) => {
				submitted.push(op);
				return new Promise<ReserveAnswer>((resolve) => {
					decide = resolve;
				});
			},
		};
		const call = reserveSharded(
			host,
			escrow,
			[{ id: "rsv_2", sessionId: HOLDER, quantity: 1, idempotencyKey: null }],
			null,
		);
		await vi.waitFor(() => expect(submitted).toHaveLength(1));
		// The coordinator folds back while the call waits in the group commit: the free unit goes.
		const back = escrow.giveBack("half");
		expect(back.map((t) => t.units)).toEqual([1]);
		decide({
			results: [{ ok: false, code: "purchase_limit" }],
			sqlRows: { read: 0, written: 0 },
			snapshot: null,
		} as unknown as ReserveAnswer);
		await call;
	});

	it("counts, per call, only what each session may still take", () => {
		const { inv } = shard();
		const a = (sessionId: string, quantity = 1) => ({ sessionId, quantity });
		expect(claimable(inv, [a(HOLDER)])).toBe(0);
		expect(claimable(inv, [a("other"), a("other"), a("third")])).toBe(2);
		expect(claimable(inv, [a("other", 2)])).toBe(0);
		expect(claimable(null, [a(HOLDER), a("other")])).toBe(2);
	});
});
