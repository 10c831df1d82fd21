// A room loaded from what its object stored equals the live room it was stored from
// (docs/decisions/151-loading-a-big-room.md): the load takes the rows as they are
// (WaitingRoom.fromRows, no copy) and lays out the queue order without a comparison sort, and
// nothing it builds may differ from what the live room holds — its answers now (tickets,
// positions, counts, snapshot, deadlines) and every decision after (the same commands given to
// both from there on give the same changes and answers).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	type JoinFrom,
	type QueueTicket,
	type RoomSnapshot,
	type StockView,
	WaitingRoom,
} from "../../src/domain/waiting-room.ts";
import { SEED_A, StoredRoom, T0 } from "../support/waiting-room.ts";

const START = T0 + 60_000;
const SESSIONS = 40;

/** The stored rows (as the keeper writes them), the keeper's read flag, and a load in any row order. */
class Stored extends StoredRoom {
	/** The keeper's `read`: the row says the session read since its join (writeReadSince). */
	readSince(t: QueueTicket | null): void {
		const row = t === null ? undefined : this.rows.get(t.ticketId);
		if (row !== undefined) row.unread = false;
	}

	/** The rows as a load reads them: fresh objects, in the table's order (not the queue's). */
	load(order: number[]): WaitingRoom {
		const rows = [...this.rows.values()].map((r) => ({ ...r }));
		const shuffled: QueueTicket[] = [];
		for (const k of rows.length === 0 ? [] : order) {
			const r = rows[k % rows.length] as QueueTicket;
			if (!shuffled.includes(r)) shuffled.push(r);
		}
		for (const r of rows) if (!shuffled.includes(r)) shuffled.push(r);
		return WaitingRoom.fromRows(this.snapshot as RoomSnapshot, shuffled);
	}
}

type Cmd =
	| { kind: "join"; session: number; address: number; unread: boolean }
	| { kind: "read"; session: number }
	| { kind: "use"; session: number }
	| { kind: "tick"; ms: number; available: number; returnable: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant("join" as const),
			session: fc.nat(SESSIONS - 1),
			address: fc.nat(4),
			unread: fc.boolean(),
		}),
	},
	fc.record({ kind: fc.constant("read" as const), session: fc.nat(SESSIONS - 1) }),
	fc.record({ kind: fc.constant("use" as const), session: fc.nat(SESSIONS - 1) }),
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("tick" as const),
			ms: fc.integer({ min: 0, max: 40_000 }),
			available: fc.integer({ min: 0, max: 6 }),
			returnable: fc.integer({ min: 0, max: 2 }),
		}),
	},
);

/** Applies a command at the clock `at.ms` (moved by ticks), and commits when `stored` is given. */
function apply(room: WaitingRoom, c: Cmd, at: { ms: number; stock: StockView }, stored?: Stored) {
	let answer: unknown = null;
	if (c.kind === "tick") {
		at.ms += c.ms;
		at.stock = { available: c.available, returnable: c.returnable };
		room.advance(at.ms, START, at.stock);
	} else if (c.kind === "join") {
		// Address 0 is not counted (limits off, an operator's session); the others hold two places.
		const from: JoinFrom = {
			clientKey: c.address === 0 ? null : `ip${c.address}`,
			unread: c.unread,
			perAddress: 2,
		};
		const out = room.join(`s${c.session}`, `t${c.session}`, at.ms, START, at.stock, false, from);
		answer = out.ok ? { ok: true, created: out.created, ticket: { ...out.ticket } } : out;
	} else if (c.kind === "read") {
		const t = room.readSince(`s${c.session}`);
		stored?.readSince(t);
		answer = t === null ? null : { ...t };
	} else room.markUsed(`s${c.session}`, at.ms);
	const drained = stored === undefined ? unordered(room.drain()) : null;
	stored?.commit(room);
	return { answer, drained };
}

/**
 * A drain with its tickets and its events of one moment in a fixed order: admissions ending at the
 * same moment end in their heap's order, which follows the order the rows were read in, live or
 * loaded alike (before this load's change too); what ends, and when, is the same.
 */
function unordered(d: ReturnType<WaitingRoom["drain"]>) {
	const key = (x: unknown) => JSON.stringify(x);
	return {
		...d,
		tickets: [...d.tickets].sort((a, b) => a.ticketId.localeCompare(b.ticketId)),
		events: [...d.events].sort((a, b) => a.atMs - b.atMs || key(a).localeCompare(key(b))),
	};
}

/** Everything the room answers, for every session the commands name. */
function answers(room: WaitingRoom, nowMs: number) {
	const sessions = Array.from({ length: SESSIONS }, (_, i) => {
		const t = room.ticketOf(`s${i}`);
		return t === undefined ? null : { ...t, position: room.position(t) };
	});
	return {
		sessions,
		counts: room.counts(),
		unused: room.unusedAdmissions(),
		snapshot: room.snapshot(),
		deadline: room.nextDeadlineMs(START),
		pending: room.pendingLapses(),
		rate: room.admissionRate(nowMs),
		seed: room.revealedSeed(),
	};
}

describe("a room loaded from its rows", () => {
	it("answers and decides as the live room it was stored from", () => {
		fc.assert(
			fc.property(
				fc.array(cmd, { maxLength: 60 }),
				fc.array(cmd, { maxLength: 40 }),
				fc.array(fc.nat(), { maxLength: 60 }),
				(before, after, order) => {
					const stored = new Stored();
					const room = WaitingRoom.enable(
						{ enabled: true, admitSeconds: 30, overbook: 0.5 },
						SEED_A,
						T0,
					);
					stored.commit(room);
					const at = { ms: T0, stock: { available: 3, returnable: 0 } };
					for (const c of before) apply(room, c, at, stored);
					const loaded = stored.load(order);
					expect(answers(loaded, at.ms)).toEqual(answers(room, at.ms));
					// From here on both decide the same: every change, event and answer.
					const atLoaded = { ms: at.ms, stock: { ...at.stock } };
					for (const c of after) {
						const live = apply(room, c, at);
						expect(apply(loaded, c, atLoaded)).toEqual(live);
						expect(answers(loaded, at.ms)).toEqual(answers(room, at.ms));
					}
				},
			),
			{ numRuns: 300 },
		);
	});

	it("takes the rows as they are (no copy), and orders a room of 5,000 shuffled ranks as the live one", () => {
		const stored = new Stored();
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 30, overbook: 0 }, SEED_A, T0);
		const at = { ms: T0, stock: { available: 2, returnable: 0 } };
		for (let i = 0; i < 5000; i++) room.join(`s${i}`, `t${i}`, T0, START, at.stock);
		stored.commit(room);
		room.advance(START, START, at.stock);
		stored.commit(room);
		const rows = [...stored.rows.values()].reverse();
		const loaded = WaitingRoom.fromRows(stored.snapshot as RoomSnapshot, rows);
		expect(loaded.ticketOf("s0")).toBe(rows.find((r) => r.sessionId === "s0"));
		for (let i = 0; i < 5000; i++) {
			const live = room.ticketOf(`s${i}`) as QueueTicket;
			const got = loaded.ticketOf(`s${i}`) as QueueTicket;
			expect([got.rank, got.state, loaded.position(got)]).toEqual([
				live.rank,
				live.state,
				room.position(live),
			]);
		}
	});
});
