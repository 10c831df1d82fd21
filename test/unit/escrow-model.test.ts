// The escrow protocol (src/domain/escrow.ts, docs/decisions/020-escrow-shards.md)
// against random runs: grants, give-backs, reserves, expiries, total changes,
// and a network that delivers, repeats (a retry) or loses (a crash between two
// steps) any message. After every step the pool, the allotments and the units
// in flight add up to the total, and no shard holds more than its allotment.
// After recovery and delivery of everything, nothing is in flight.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	ackReturns,
	applyGrant,
	confirmGrants,
	giveBack,
	inFlight,
	issueGrant,
	lowerTotal,
	newPool,
	newShardLedger,
	type PoolLedger,
	raiseTotal,
	receiveReturn,
	type ShardLedger,
	shardIndexOf,
	shardName,
	shardOf,
	type Transfer,
} from "../../src/domain/escrow.ts";

type Message =
	| { kind: "grant"; shard: number; t: Transfer }
	| { kind: "grantAck"; shard: number; lastGrant: number }
	| { kind: "return"; shard: number; t: Transfer }
	| { kind: "returnAck"; shard: number; lastReturn: number };

interface Shard {
	ledger: ShardLedger;
	allotment: number;
	/** Units held or sold (reserved + sold). */
	holds: number[];
}

interface World {
	pool: PoolLedger;
	shards: Shard[];
	network: Message[];
}

const used = (s: Shard) => s.holds.reduce((a, b) => a + b, 0);

type Command =
	| { op: "grant"; shard: number; units: number }
	| { op: "giveBack"; shard: number; units: number }
	| { op: "deliver"; pick: number; repeat: boolean }
	| { op: "lose"; pick: number }
	| { op: "recover" }
	| { op: "reserve"; shard: number; units: number }
	| { op: "release"; shard: number; pick: number }
	| { op: "raise"; units: number }
	| { op: "lower"; units: number };

const SHARDS = 4;
const shardArb = fc.nat({ max: SHARDS - 1 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
	fc.record({
		op: fc.constant("grant" as const),
		shard: shardArb,
		units: fc.integer({ min: 1, max: 30 }),
	}),
	fc.record({
		op: fc.constant("giveBack" as const),
		shard: shardArb,
		units: fc.integer({ min: 1, max: 30 }),
	}),
	fc.record({ op: fc.constant("deliver" as const), pick: fc.nat(), repeat: fc.boolean() }),
	fc.record({ op: fc.constant("deliver" as const), pick: fc.nat(), repeat: fc.boolean() }),
	fc.record({ op: fc.constant("lose" as const), pick: fc.nat() }),
	fc.constant({ op: "recover" as const }),
	fc.record({
		op: fc.constant("reserve" as const),
		shard: shardArb,
		units: fc.integer({ min: 1, max: 10 }),
	}),
	fc.record({ op: fc.constant("release" as const), shard: shardArb, pick: fc.nat() }),
	fc.record({ op: fc.constant("raise" as const), units: fc.integer({ min: 1, max: 20 }) }),
	fc.record({ op: fc.constant("lower" as const), units: fc.integer({ min: 1, max: 20 }) }),
);

function deliver(w: World, m: Message): void {
	const shard = w.shards[m.shard] as Shard;
	switch (m.kind) {
		case "grant":
			shard.allotment = applyGrant(shard.ledger, shard.allotment, m.t);
			w.network.push({ kind: "grantAck", shard: m.shard, lastGrant: shard.ledger.lastGrant });
			return;
		case "grantAck":
			confirmGrants(w.pool, m.shard, m.lastGrant);
			return;
		case "return":
			receiveReturn(w.pool, m.shard, m.t);
			w.network.push({
				kind: "returnAck",
				shard: m.shard,
				lastReturn: w.pool.lastReturn[m.shard] ?? 0,
			});
			return;
		case "returnAck":
			ackReturns(shard.ledger, m.lastReturn);
			return;
	}
}

/** What the coordinator does on load and from its alarm: re-send pending grants, collect pending give-backs. */
function recover(w: World): void {
	for (const s of w.shards) {
		for (const t of w.pool.pending[s.ledger.index] ?? []) {
			w.network.push({ kind: "grant", shard: s.ledger.index, t });
		}
		for (const t of s.ledger.pendingReturns) {
			w.network.push({ kind: "return", shard: s.ledger.index, t });
		}
	}
}

function step(w: World, c: Command): void {
	switch (c.op) {
		case "grant": {
			const t = issueGrant(w.pool, c.shard, c.units);
			if (t !== null) w.network.push({ kind: "grant", shard: c.shard, t });
			return;
		}
		case "giveBack": {
			const s = w.shards[c.shard] as Shard;
			const out = giveBack(s.ledger, s.allotment, used(s), c.units);
			if (out !== null) {
				s.allotment = out.allotment;
				w.network.push({ kind: "return", shard: c.shard, t: out.transfer });
			}
			return;
		}
		case "deliver": {
			if (w.network.length === 0) return;
			const at = c.pick % w.network.length;
			const m = w.network[at] as Message;
			if (!c.repeat) w.network.splice(at, 1);
			deliver(w, m);
			return;
		}
		case "lose":
			if (w.network.length > 0) w.network.splice(c.pick % w.network.length, 1);
			return;
		case "recover":
			recover(w);
			return;
		case "reserve": {
			const s = w.shards[c.shard] as Shard;
			if (s.allotment - used(s) >= c.units) s.holds.push(c.units);
			return;
		}
		case "release": {
			const s = w.shards[c.shard] as Shard;
			if (s.holds.length > 0) s.holds.splice(c.pick % s.holds.length, 1);
			return;
		}
		case "raise":
			raiseTotal(w.pool, c.units);
			return;
		case "lower":
			lowerTotal(w.pool, c.units);
			return;
	}
}

function check(w: World): void {
	const allotments = w.shards.reduce((sum, s) => sum + s.allotment, 0);
	const ledgers = w.shards.map((s) => s.ledger);
	expect(w.pool.pool + allotments + inFlight(w.pool, ledgers)).toBe(w.pool.total);
	expect(w.pool.pool).toBeGreaterThanOrEqual(0);
	for (const s of w.shards) expect(used(s)).toBeLessThanOrEqual(s.allotment);
}

function world(total: number): World {
	return {
		pool: newPool(total, SHARDS),
		shards: Array.from({ length: SHARDS }, (_, i) => ({
			ledger: newShardLedger(i, SHARDS),
			allotment: 0,
			holds: [],
		})),
		network: [],
	};
}

describe("escrow protocol model", () => {
	it("keeps pool + allotments + in flight == total and every shard within its allotment, through crashes and retries", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 200 }),
				fc.array(commandArb, { minLength: 1, maxLength: 120 }),
				(total, commands) => {
					const w = world(total);
					check(w);
					for (const c of commands) {
						step(w, c);
						check(w);
					}
					// Recovery, then every message delivered: nothing stays in flight.
					recover(w);
					let guard = 0;
					while (w.network.length > 0 && guard++ < 10_000) {
						deliver(w, w.network.shift() as Message);
						check(w);
					}
					expect(
						inFlight(
							w.pool,
							w.shards.map((s) => s.ledger),
						),
					).toBe(0);
					const allotments = w.shards.reduce((sum, s) => sum + s.allotment, 0);
					expect(w.pool.pool + allotments).toBe(w.pool.total);
					for (let i = 0; i < SHARDS; i++) expect(w.pool.pending[i]).toEqual([]);
					for (const s of w.shards) expect(s.ledger.pendingReturns).toEqual([]);
				},
			),
			{ numRuns: 500 },
		);
	}, 30_000);

	it("a grant crashed at each step is applied exactly once after recovery", () => {
		// G1 durable, then the message is lost (coordinator crashed before sending).
		for (const lose of ["grant", "ack", "none"] as const) {
			const w = world(100);
			const t = issueGrant(w.pool, 1, 10) as Transfer;
			const shard = w.shards[1] as Shard;
			if (lose !== "grant") shard.allotment = applyGrant(shard.ledger, shard.allotment, t);
			check(w);
			if (lose === "none") confirmGrants(w.pool, 1, shard.ledger.lastGrant);
			recover(w);
			recover(w); // twice: a retried recovery changes nothing
			while (w.network.length > 0) deliver(w, w.network.shift() as Message);
			expect(shard.allotment).toBe(10);
			expect(w.pool.pool).toBe(90);
			expect(w.pool.pending[1]).toEqual([]);
		}
	});

	it("an opening grant of no unit is still delivered once, and changes no count", () => {
		const w = world(3);
		const t = issueGrant(w.pool, 3, 0, true) as Transfer;
		expect(t).toEqual({ seq: 1, units: 0 });
		expect(issueGrant(w.pool, 3, 0)).toBeNull();
		check(w);
		recover(w);
		while (w.network.length > 0) deliver(w, w.network.shift() as Message);
		expect(w.shards[3]?.ledger.lastGrant).toBe(1);
		expect(w.pool.pending[3]).toEqual([]);
		expect(w.pool.pool).toBe(3);
	});

	it("folding back moves the last unit: give back all, grant it elsewhere", () => {
		const w = world(1);
		const a = w.shards[0] as Shard;
		const b = w.shards[2] as Shard;
		a.allotment = applyGrant(a.ledger, 0, issueGrant(w.pool, 0, 1) as Transfer);
		const back = giveBack(a.ledger, a.allotment, used(a), 1);
		expect(back).not.toBeNull();
		a.allotment = back?.allotment ?? -1;
		expect(receiveReturn(w.pool, 0, back?.transfer as Transfer)).toBe(true);
		expect(receiveReturn(w.pool, 0, back?.transfer as Transfer)).toBe(false); // a retry
		b.allotment = applyGrant(b.ledger, 0, issueGrant(w.pool, 2, 5) as Transfer);
		expect([a.allotment, b.allotment, w.pool.pool]).toEqual([0, 1, 0]);
	});

	it("routes sessions stably and names shards", () => {
		expect(shardOf("ses_abc", 1)).toBe(0);
		expect(shardOf("ses_abc", 8)).toBe(shardOf("ses_abc", 8));
		const counts = Array.from({ length: 8 }, () => 0);
		for (let i = 0; i < 8000; i++) {
			const shard = shardOf(`ses_${i.toString(16)}`, 8);
			counts[shard] = (counts[shard] ?? 0) + 1;
		}
		for (const n of counts) expect(n).toBeGreaterThan(500);
		expect(shardName("SKU-1", 0)).toBe("SKU-1");
		expect(shardName("SKU-1", 3)).toBe("SKU-1#3");
		expect(shardIndexOf("SKU-1#3", "SKU-1", 4)).toBe(3);
		expect(shardIndexOf("SKU-1#4", "SKU-1", 4)).toBeNull();
		expect(shardIndexOf("SKU-1", "SKU-1", 4)).toBe(0);
		expect(shardIndexOf("SKU-1#03", "SKU-1", 4)).toBeNull();
	});
});
