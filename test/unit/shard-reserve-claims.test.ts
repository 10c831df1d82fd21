// What a shard's reserve call keeps from a fold-back while it waits in the group commit
// (src/inventory/shard-reserve.ts, escrow-shard.ts; docs/decisions/020-escrow-shards.md,
// "Asking for more, and folding back"): the units its attempts may take, and none for a
// session its purchase limit already refuses. Otherwise a buyer of another shard is
// answered sold_out while this shard keeps a unit nobody here can take (seen right after a
// restart, when the shard's calls wait longer: docs/decisions/073-room-and-escrow-after-a-restart.md).

import { describe, expect, it, vi } from "vitest";
import { EXHAUSTED_MEMO_MS, shardOf } from "../../src/domain/escrow.ts";
import { Inventory } from "../../src/domain/inventory.ts";
import type { ReserveOp } from "../../src/inventory/batch-decisions.ts";
import type { EscrowHost } from "../../src/inventory/escrow-shard.ts";
import { ShardChannel } from "../../src/inventory/escrow-shard-channel.ts";
import type { ReserveAnswer } from "../../src/inventory/rpc.ts";
import { claimable, claims, reserveSharded } from "../../src/inventory/shard-reserve.ts";
import type { RoomKeeper } from "../../src/inventory/waiting-room.ts";

const T0 = Date.UTC(2026, 0, 1);

/** A session id this shard (1 of 3) decides. */
function sessionOnShard1(n: number): string {
	let found = 0;
	for (let i = 0; ; i++) if (shardOf(`ses_${i}`, 3) === 1 && found++ === n) return `ses_${i}`;
}
const HOLDER = sessionOnShard1(0);
/** A shard whose SKU has no waiting room. */
const NO_ROOM = { info: () => null } as unknown as RoomKeeper;

/**
 * Shard 1 of 3 with an allotment of 2 (or `allotment`): HOLDER holds 1 unit (its limit), the
 * rest is free. The coordinator grants `grant` units per request and counts `elsewhere` units
 * outside this shard.
 */
function shard({ allotment = 2, grant = 0, elsewhere = 0 } = {}) {
	const inv = Inventory.create(
		{
			sku: "CLAIM",
			name: "n",
			priceCents: 100,
			currency: "USD",
			totalStock: allotment,
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
	const peer = {
		// The low-water ask after the call finds nothing (the pool is empty).
		escrowRequestGrant: vi.fn(async () => grant),
		escrowStockElsewhere: vi.fn(async () => elsewhere),
	};
	const host = {
		sql: { exec: () => ({ toArray: () => [] }) },
		inventory: () => inv,
		persist: () => {},
		wake: () => {},
		peer: () => peer,
	} as unknown as EscrowHost;
	const ledger = {
		sku: "CLAIM",
		shard: { index: 1, shards: 3, lastGrant: 1, returnSeq: 0, pendingReturns: [] },
		pool: null,
	};
	return { inv, escrow: new ShardChannel(host, ledger), peer };
}

/** The group commit's decision of a one-attempt reserve call, by the shard's model. */
function decidedAlone(inv: Inventory, op: ReserveOp): ReserveAnswer {
	const [a] = op.attempts;
	if (a === undefined) throw new Error("no attempt");
	const out = inv.reserve({
		...a,
		nowMs: Date.now(),
		...(op.stockElsewhere === undefined ? {} : { stockElsewhere: op.stockElsewhere }),
	});
	const result = out.ok ? { ok: true } : { ok: false, code: out.code };
	return { results: [result], sqlRows: { read: 0, written: 0 }, snapshot: null } as ReserveAnswer;
}

describe("a shard's reserve call and the fold-back", () => {
	it("an attempt its purchase limit refuses keeps no unit from a fold-back while it waits", async () => {
		const { inv, escrow } = shard();
		let decide: (answer: ReserveAnswer) => void = () => {};
		const submitted: ReserveOp[] = [];
		const host = {
			roomLink: null,
			room: NO_ROOM,
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

	it("a session at its limit on an empty shard: purchase_limit while the SKU has a unit elsewhere, without asking for one", async () => {
		// Shard 1 holds only HOLDER's unit. The coordinator has nothing it could grant at once
		// (its fold-back found every other unit claimed, or a shard did not answer), but another
		// shard has an available unit: the SKU is not sold out.
		const { inv, escrow, peer } = shard({ allotment: 1, grant: 0, elsewhere: 1 });
		const host = {
			roomLink: null,
			room: NO_ROOM,
			inventory: () => inv,
			submit: async (op: ReserveOp) => decidedAlone(inv, op),
		};
		const attempt = { id: "rsv_3", sessionId: HOLDER, quantity: 1, idempotencyKey: null };
		const answer = await reserveSharded(host, escrow, [attempt], null);
		expect(answer.results).toEqual([{ ok: false, code: "purchase_limit" }]);
		// It would take no unit, so it asked for none: it only counted.
		expect(peer.escrowRequestGrant).not.toHaveBeenCalled();
		expect(inv.counters()).toMatchObject({ total: 1, available: 0 });
		// Nothing anywhere, once the last count is older than its bound (EXHAUSTED_MEMO_MS):
		// sold_out, as one object answers a sold-out SKU.
		peer.escrowStockElsewhere.mockResolvedValue(0);
		const later = Date.now() + EXHAUSTED_MEMO_MS;
		const clock = vi.spyOn(Date, "now").mockReturnValue(later);
		try {
			const gone = await reserveSharded(host, escrow, [{ ...attempt, id: "rsv_4" }], null);
			expect(gone.results).toEqual([{ ok: false, code: "sold_out" }]);
		} finally {
			clock.mockRestore();
		}
	});

	it("a session at its limit retrying while the SKU has units: one count per EXHAUSTED_MEMO_MS, not one per call", async () => {
		const { inv, escrow, peer } = shard({ allotment: 1, grant: 0, elsewhere: 3 });
		const host = {
			roomLink: null,
			room: NO_ROOM,
			inventory: () => inv,
			submit: async (op: ReserveOp) => decidedAlone(inv, op),
		};
		const attempt = (n: number) => ({
			id: `rsv_r${n}`,
			sessionId: HOLDER,
			quantity: 1,
			idempotencyKey: null,
		});
		let nowMs = Date.now();
		const clock = vi.spyOn(Date, "now").mockImplementation(() => nowMs);
		try {
			const t0 = nowMs;
			// 20 retries in a row within the bound, and 5 arriving at once.
			for (let n = 0; n < 20; n++) {
				nowMs = t0 + Math.floor((n * (EXHAUSTED_MEMO_MS - 1)) / 19);
				const answer = await reserveSharded(host, escrow, [attempt(n)], null);
				expect(answer.results).toEqual([{ ok: false, code: "purchase_limit" }]);
			}
			const together = await Promise.all(
				Array.from({ length: 5 }, (_, n) => reserveSharded(host, escrow, [attempt(20 + n)], null)),
			);
			for (const a of together) expect(a.results).toEqual([{ ok: false, code: "purchase_limit" }]);
			expect(peer.escrowStockElsewhere).toHaveBeenCalledTimes(1);
			// Past the bound the shard counts again, once.
			nowMs = t0 + EXHAUSTED_MEMO_MS;
			await Promise.all(
				Array.from({ length: 5 }, (_, n) => reserveSharded(host, escrow, [attempt(30 + n)], null)),
			);
			expect(peer.escrowStockElsewhere).toHaveBeenCalledTimes(2);
			// A kept count answers an attempt of up to its units; a larger one is counted again.
			const two = { ...attempt(40), quantity: 2 };
			peer.escrowStockElsewhere.mockResolvedValue(1);
			const short = await reserveSharded(host, escrow, [two], null);
			expect(peer.escrowStockElsewhere).toHaveBeenCalledTimes(2);
			expect(short.results).toEqual([{ ok: false, code: "purchase_limit" }]);
			const more = await reserveSharded(host, escrow, [{ ...two, quantity: 4 }], null);
			expect(peer.escrowStockElsewhere).toHaveBeenCalledTimes(3);
			expect(more.results).toEqual([{ ok: false, code: "sold_out" }]);
			expect(peer.escrowRequestGrant).not.toHaveBeenCalled();
		} finally {
			clock.mockRestore();
		}
	});

	it("a session's calls in flight claim together at most its limit: the next waits for the first to be decided", async () => {
		// Shard 1: one free unit. OTHER (limit 1, nothing held) sends two calls at once.
		const { inv, escrow, peer } = shard({ grant: 0, elsewhere: 1 });
		const OTHER = sessionOnShard1(1);
		const submitted: ReserveOp[] = [];
		const pending: (() => void)[] = [];
		const host = {
			roomLink: null,
			room: NO_ROOM,
			inventory: () => inv,
			submit: (op: ReserveOp) => {
				submitted.push(op);
				return new Promise<ReserveAnswer>((resolve) => {
					pending.push(() => resolve(decidedAlone(inv, op)));
				});
			},
		};
		const attempt = (id: string) => ({ id, sessionId: OTHER, quantity: 1, idempotencyKey: null });
		const first = reserveSharded(host, escrow, [attempt("rsv_a")], null);
		const second = reserveSharded(host, escrow, [attempt("rsv_b")], null);
		await vi.waitFor(() => expect(submitted).toHaveLength(1));
		await new Promise((resolve) => setTimeout(resolve, 20));
		// The second claims nothing while the first may take the unit: it neither asked the
		// coordinator for one (which would fold units back from the other shards) nor joined the
		// group commit.
		expect(submitted).toHaveLength(1);
		expect(peer.escrowRequestGrant).not.toHaveBeenCalled();
		expect(escrow.sessionClaims.units(OTHER)).toBe(1);
		pending.shift()?.();
		expect((await first).results).toEqual([{ ok: true }]);
		await vi.waitFor(() => expect(submitted).toHaveLength(2));
		pending.shift()?.();
		// Counted again after the first took its unit: the limit refuses it, units remain elsewhere.
		expect((await second).results).toEqual([{ ok: false, code: "purchase_limit" }]);
		// Only the first's low-water ask after it took the last unit (from the pool, no fold-back).
		expect(peer.escrowRequestGrant.mock.calls).toEqual([[1, 1, false]]);
		expect(escrow.sessionClaims.units(OTHER)).toBe(0);
	});

	it("counts a session past its limit only with its claims in flight as waiting, not refused", () => {
		const { inv } = shard();
		const OTHER = sessionOnShard1(1);
		const one = [{ sessionId: OTHER, quantity: 1 }];
		expect(claims(inv, one, () => 1)).toMatchObject({ units: 0, waitFor: [OTHER] });
		expect(claims(inv, one, () => 0)).toMatchObject({ units: 1, waitFor: [] });
		expect(claims(inv, [{ sessionId: HOLDER, quantity: 1 }], () => 1)).toMatchObject({
			units: 0,
			refusedUnits: 1,
			waitFor: [],
		});
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
