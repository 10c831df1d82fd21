// The fairness figures of a SKU split across shards (src/domain/fairness.ts
// fairnessAcross, src/inventory/split-sku-views.ts mergedFairness): the
// coordinator's room tickets and every shard's per-session summaries merge into
// the figures one object would report for the same sessions.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	fairnessAcross,
	type SessionSummary,
	serverFairness,
	signalOf,
} from "../../src/domain/fairness.ts";
import type { ShardCounters } from "../../src/inventory/rpc.ts";
import { emptyShard, mergedFairness } from "../../src/inventory/split-sku-views.ts";

const summary = (sessionId: string, fields: Partial<SessionSummary> = {}): SessionSummary => ({
	sessionId,
	units: 0,
	read: false,
	everFlagged: false,
	attempted: false,
	...fields,
});

const shard = (index: number, sessions: SessionSummary[]): ShardCounters => ({
	...emptyShard(index),
	sessions,
});

describe("fairness across objects", () => {
	it("counts each asking session once: tickets, attempts and units, whichever object knows of them", () => {
		const f = fairnessAcross(
			["t1", "t2", "a"],
			[
				// Shard 0 (the coordinator) saw the reads of every session that read.
				[
					summary("a", { read: true }),
					summary("b", { read: true }),
					summary("reader", { read: true }),
				],
				[summary("a", { attempted: true, units: 1 })],
				[summary("b", { attempted: true, units: 2 }), summary("c", { attempted: true })],
				[summary("d", { units: 1, everFlagged: true })],
			],
			4,
			true,
		);
		// Asking: t1, t2 (tickets), a (ticket + units), b (units), c (attempt), d (units);
		// "reader" only read and is not counted.
		expect(f).toMatchObject({
			sessions: 6,
			units: 4,
			sessionsWithUnits: 3,
			unitsPerAdmission: 1,
			signals: true,
			// a and b read on the coordinator and reserved on their shard: clear.
			clear: { sessions: 2, units: 3 },
			flagged: { sessions: 1, units: 1 },
			unread: { sessions: 3, units: 0 },
		});
		// Jain over (0, 0, 1, 2, 0, 1): 16 / (6 · 6).
		expect(f.jainIndex).toBeCloseTo(16 / 36);
	});

	it("a flag or a read anywhere is the session's, and units in two objects add up", () => {
		const f = fairnessAcross(
			[],
			[
				[summary("s", { read: true, units: 1, attempted: true })],
				[summary("s", { everFlagged: true, units: 1 })],
			],
			null,
			true,
		);
		expect(f).toMatchObject({
			sessions: 1,
			units: 2,
			sessionsWithUnits: 1,
			unitsPerAdmission: null,
			flagged: { sessions: 1, units: 2 },
			clear: { sessions: 0, units: 0 },
		});
	});

	it("gives what one object gives for the same sessions, however they are spread over shards", () => {
		const session = fc.record({
			units: fc.integer({ min: 0, max: 4 }),
			read: fc.boolean(),
			everFlagged: fc.boolean(),
			attempted: fc.boolean(),
			ticket: fc.boolean(),
			shard: fc.integer({ min: 0, max: 7 }),
		});
		fc.assert(
			fc.property(
				fc.array(session, { maxLength: 40 }),
				fc.integer({ min: 1, max: 8 }),
				fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
				fc.boolean(),
				(sessions, shards, admittedTotal, signals) => {
					const all = sessions.map((s, i) => ({ id: `s${i}`, ...s }));
					// Without a room (admittedTotal null) there are no tickets either.
					const ticketed = (s: { ticket: boolean }) => admittedTotal !== null && s.ticket;
					const tickets = all.filter(ticketed).map((s) => s.id);
					// One object: the sessions it counts, as src/inventory/fairness.ts did alone.
					const one = serverFairness(
						all
							.filter((s) => ticketed(s) || s.attempted || s.units > 0)
							.map((s) => ({ units: s.units, signal: signalOf(s) })),
						admittedTotal,
						signals,
					);
					// Split: units and attempts on the session's shard, its read on the coordinator.
					const lists: SessionSummary[][] = Array.from({ length: shards }, () => []);
					for (const s of all) {
						lists[s.shard % shards]?.push(
							summary(s.id, {
								units: s.units,
								attempted: s.attempted,
								everFlagged: s.everFlagged,
							}),
						);
						if (s.read) lists[0]?.push(summary(s.id, { read: true }));
					}
					const room = admittedTotal === null ? null : { sessionIds: () => tickets, admittedTotal };
					const split = mergedFairness(
						room,
						lists.map((l, i) => shard(i, l)),
						signals,
					);
					expect(split).toEqual(one);
				},
			),
		);
	});

	it("a shard that sent no sessions (its first grant not arrived) adds nothing; no room, no units per admission", () => {
		const f = mergedFairness(
			null,
			[shard(0, [summary("a", { units: 1, attempted: true })]), emptyShard(1)],
			false,
		);
		expect(f).toEqual({
			sessions: 1,
			units: 1,
			sessionsWithUnits: 1,
			jainIndex: 1,
			unitsPerAdmission: null,
			signals: false,
			clear: null,
			flagged: null,
			unread: null,
			clearShareRatio: null,
		});
	});
});
