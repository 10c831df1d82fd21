// A split SKU's escrow in a model of its objects (src/inventory/escrow.ts, escrow-shard.ts,
// escrow-moves.ts; docs/decisions/167-sold-out-means-none-anywhere.md): the real escrow
// classes of every object, talking through calls that each take a random 0–3 ms each way
// (the clock is virtual: fake timers). A stats read (Escrow.still) sees nothing in flight.
// A drop whose demand equals its stock sells every unit: no shard answers sold_out while a
// unit sits free in the pool or in another shard. Its buyers arrive one attempt at a time
// at their shard, which decides an admitted attempt with what its allotment holds, as its
// group commit does; near the end of the stock several shards are short at once, so their
// fold backs and grants interleave.

import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newShardLedger } from "../../src/domain/escrow.ts";
import type { Inventory } from "../../src/domain/inventory.ts";
import { Escrow } from "../../src/inventory/escrow.ts";
import type { EscrowHost, EscrowPeer } from "../../src/inventory/escrow-shard.ts";
import { seededRandom } from "../support/random.ts";

afterEach(() => {
	vi.useRealTimers();
});

/** An object's allotment as its Inventory keeps it: totalStock, and units held. */
class Allotment {
	product = { sku: "DEMAND", totalStock: 0, perUserLimit: 10 };
	reserved = 0;
	counters() {
		const { totalStock } = this.product;
		return { available: totalStock - this.reserved, reserved: this.reserved, sold: 0 };
	}
	setAllotment(totalStock: number): void {
		this.product.totalStock = totalStock;
	}
}

const PEER_CALLS = [
	"escrowApplyGrants",
	"escrowGiveBack",
	"escrowAckReturns",
	"escrowRequestGrant",
	"escrowReceiveReturns",
	"escrowStockElsewhere",
	"escrowAvailable",
] as const;

const METHODS: Record<(typeof PEER_CALLS)[number], (e: Escrow, args: unknown[]) => unknown> = {
	escrowApplyGrants: (e, a) => e.applyGrants(a[3] as never),
	escrowGiveBack: (e, a) => e.giveBack(a[0] as never),
	escrowAckReturns: (e, a) => e.ackReturns(a[0] as number),
	escrowRequestGrant: (e, a) =>
		(e.requestGrant as (...x: unknown[]) => Promise<number>).apply(e, a),
	escrowReceiveReturns: (e, a) => e.receiveReturns(a[0] as number, a[1] as never),
	escrowStockElsewhere: (e, a) => e.stockElsewhereOf(a[0] as number, a[1] as number),
	escrowAvailable: (e) => e.available(),
};

interface Drop {
	/** Units held, and units asked by the attempts answered sold_out. */
	answers: { ok: number; soldOut: number };
	/** Units left free in the pool and every allotment at the end. */
	unsold: number;
}

/** Every object of a SKU of `units` split `shards` ways, the first grants delivered. */
async function world(seed: number, units: number, shards: number) {
	const rand = seededRandom(seed);
	const hop = () => new Promise<void>((r) => setTimeout(r, Math.floor(rand() * 4)));
	const allotments = Array.from({ length: shards }, () => new Allotment());
	const escrows: Escrow[] = [];
	const peer = (j: number): EscrowPeer => {
		const calls: Record<string, unknown> = {};
		for (const name of PEER_CALLS) {
			calls[name] = async (...args: unknown[]) => {
				await hop();
				const answer = await METHODS[name](escrows[j] as Escrow, args);
				await hop();
				return answer;
			};
		}
		return calls as unknown as EscrowPeer;
	};
	const host = (i: number): EscrowHost => ({
		sql: { exec: () => ({ toArray: () => [] }) } as unknown as SqlStorage,
		inventory: () => allotments[i] as unknown as Inventory,
		persist: () => {},
		wake: () => {},
		peer,
	});
	const coordinatorInv = allotments[0] as Allotment;
	coordinatorInv.product.totalStock = units;
	escrows.push(
		Escrow.createCoordinator(host(0), coordinatorInv as unknown as Inventory, shards, Date.now()),
	);
	for (let i = 1; i < shards; i++) {
		escrows.push(
			new Escrow(host(i), { sku: "DEMAND", shard: newShardLedger(i, shards), pool: null }),
		);
	}
	const coordinator = escrows[0] as Escrow;
	const opened = Promise.all(escrows.slice(1).map((_, i) => coordinator.deliver(i + 1)));
	await vi.runAllTimersAsync();
	await opened;

	return { rand, hop, allotments, escrows, coordinator };
}

/**
 * `units` units split `shards` ways and buyers whose quantities (1 to `most` each) add up to
 * them, each arriving 0–`gapMs` ms after the last.
 */
async function drop(
	seed: number,
	units: number,
	shards: number,
	gapMs: number,
	most = 1,
): Promise<Drop> {
	const { rand, hop, allotments, escrows, coordinator } = await world(seed, units, shards);
	const answers = { ok: 0, soldOut: 0 };
	const buyer = async (shard: number, quantity: number) => {
		const escrow = escrows[shard] as Escrow;
		const inv = allotments[shard] as Allotment;
		await escrow.admit(quantity);
		try {
			await hop(); // the group commit's turn
			if (inv.counters().available >= quantity) {
				inv.reserved += quantity;
				answers.ok += quantity;
			} else answers.soldOut += quantity;
		} finally {
			escrow.decided(quantity);
		}
	};
	const calls: Promise<void>[] = [];
	let at = 0;
	for (let left = units; left > 0; ) {
		const quantity = Math.min(left, 1 + Math.floor(rand() * most));
		left -= quantity;
		at += rand() * gapMs;
		const shard = Math.floor(rand() * shards);
		calls.push(new Promise<void>((r) => setTimeout(r, at)).then(() => buyer(shard, quantity)));
	}
	await vi.runAllTimersAsync();
	await Promise.all(calls);
	await vi.runAllTimersAsync();
	const unsold =
		coordinator.pool() + allotments.reduce((n, a) => n + Math.max(0, a.counters().available), 0);
	return { answers, unsold };
}

/** One drop in virtual time: every buyer has been answered and every message delivered. */
async function run(seed: number, units: number, shards: number, gapMs: number, most = 1) {
	vi.useFakeTimers({ now: 1_000_000 });
	try {
		const { answers, unsold } = await drop(seed, units, shards, gapMs, most);
		return { ...answers, unsold };
	} finally {
		vi.useRealTimers();
	}
}

describe("a whole-SKU read with nothing in flight (Escrow.still, GET …/stats)", () => {
	it("holds a grant asked during the read: the pool and the allotments read add up", async () => {
		vi.useFakeTimers({ now: 1_000_000 });
		try {
			const { allotments, coordinator } = await world(1, 40, 4);
			let asked: Promise<number> = Promise.resolve(0);
			// The stats read: the shards' allotments as they answer, then the pool; shard 3 asks for
			// more between the two.
			const read = coordinator.still(async () => {
				const allotted = allotments.reduce((n, a) => n + a.product.totalStock, 0);
				asked = coordinator.requestGrant(3, 5, false);
				await new Promise((r) => setTimeout(r, 10));
				return allotted + coordinator.pool();
			});
			await vi.runAllTimersAsync();
			expect(await read).toBe(40);
			expect(await asked).toBe(5);
		} finally {
			vi.useRealTimers();
		}
	});
});

describe("a split SKU whose demand equals its stock", () => {
	it("sells every unit: no buyer is told sold_out while a unit is free anywhere", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer(),
				fc.constantFrom(200, 30),
				fc.constantFrom(4, 8),
				fc.constantFrom(0.5, 1.5, 3),
				async (seed, units, shards, gapMs) => {
					const outcome = await run(seed, units, shards, gapMs);
					expect(outcome).toEqual({ ok: units, soldOut: 0, unsold: 0 });
				},
			),
			{ numRuns: 60 },
		);
	});

	it("sells every unit to attempts of several units too (an edge-coalesced call's)", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer(),
				fc.constantFrom(4, 8),
				fc.constantFrom(0.5, 1.5, 3),
				async (seed, shards, gapMs) => {
					const outcome = await run(seed, 200, shards, gapMs, 5);
					expect(outcome).toEqual({ ok: 200, soldOut: 0, unsold: 0 });
				},
			),
			{ numRuns: 40 },
		);
	});
});
