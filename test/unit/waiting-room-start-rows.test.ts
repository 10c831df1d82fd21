// The start of a waiting room writes no ticket row (docs/decisions/100-a-room-start-writes-one-row.md):
// the snapshot records how many tickets the start shuffled and a load recomputes their ranks from
// the seed, so a room rebuilt from what was committed — after the start, or from before it when a
// crash lost the start's commit — has the order the start gave it.

import { describe, expect, it } from "vitest";
import {
	type QueueTicket,
	type RoomSnapshot,
	type StockView,
	WaitingRoom,
} from "../../src/domain/waiting-room.ts";
import { SEED_A, StoredRoom, T0 } from "../support/waiting-room.ts";

const SETTINGS = { enabled: true, admitSeconds: 60, overbook: 0 };
const START = T0 + 60_000;

/** The stored rows, and a load of them (a room rebuilt from the snapshot and the rows). */
class Stored extends StoredRoom {
	load(): WaitingRoom {
		return new WaitingRoom(this.snapshot as RoomSnapshot, [...this.rows.values()]);
	}
}

/** A room of `n` pre-queue tickets, committed ticket by ticket as the joins are. */
function preQueue(n: number, stock: StockView): { room: WaitingRoom; stored: Stored } {
	const stored = new Stored();
	const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
	stored.commit(room);
	for (let i = 1; i <= n; i++) {
		const joined = room.join(`s${i}`, `t${i}`, T0 + i, START, stock);
		expect(joined.ok).toBe(true);
		stored.commit(room);
	}
	return { room, stored };
}

const ranksOf = (room: WaitingRoom, n: number): (number | null)[] =>
	Array.from({ length: n }, (_, i) => room.ticketOf(`s${i + 1}`)?.rank ?? null);

const positionsOf = (room: WaitingRoom, n: number): (number | null)[] =>
	Array.from({ length: n }, (_, i) => {
		const t = room.ticketOf(`s${i + 1}`);
		return t === undefined ? null : room.position(t);
	});

describe("the start of a waiting room", () => {
	it("writes the admitted tickets' rows only, however many tickets it shuffled", () => {
		const stock = { available: 3, returnable: 0 };
		for (const n of [10, 1_000, 5_000]) {
			const { room, stored } = preQueue(n, stock);
			room.advance(START, START, stock);
			stored.commit(room);
			expect(stored.lastRows, `tickets ${n}`).toBe(3);
			expect(stored.snapshot?.shuffled).toBe(n);
			expect(room.counts()).toMatchObject({ waiting: n - 3, admitted: 3 });
		}
	});

	it("a room loaded after the start has the start's ranks and positions, and admits in the same order", () => {
		const n = 2_000;
		const stock = { available: 3, returnable: 0 };
		const { room, stored } = preQueue(n, stock);
		room.advance(START, START, stock);
		stored.commit(room);
		const loaded = stored.load();
		expect(ranksOf(loaded, n)).toEqual(ranksOf(room, n));
		expect(positionsOf(loaded, n)).toEqual(positionsOf(room, n));
		expect(new Set(ranksOf(loaded, n)).size).toBe(n);

		// More stock: both admit the same next tickets, and a newcomer queues behind in both.
		const more = { available: 10, returnable: 0 };
		for (const r of [room, loaded]) {
			r.join("late", "t-late", START + 1, START, more);
			r.advance(START + 2, START, more);
		}
		const admitted = (r: WaitingRoom) =>
			Array.from({ length: n }, (_, i) => `s${i + 1}`).filter((s) => r.isAdmitted(s, START + 2));
		expect(admitted(loaded)).toEqual(admitted(room));
		expect(loaded.ticketOf("late")?.rank).toBe(n);
		expect(loaded.position(loaded.ticketOf("late") as QueueTicket)).toBe(
			room.position(room.ticketOf("late") as QueueTicket),
		);
	});

	it("a room loaded from before the start (the start's commit lost to a crash) starts again to the same order", () => {
		const n = 500;
		const stock = { available: 2, returnable: 0 };
		const { room, stored } = preQueue(n, stock);
		const beforeStart = stored.load();
		room.advance(START, START, stock);
		stored.commit(room);
		// The crash: the start ran in memory, its commit never happened; the room reloads and starts later.
		beforeStart.advance(START + 5_000, START, stock);
		expect(ranksOf(beforeStart, n)).toEqual(ranksOf(room, n));
		expect(positionsOf(beforeStart, n)).toEqual(positionsOf(room, n));
	});

	it("sold-out tickets of the pre-queue are ended tickets after a load, ranked like the rest", () => {
		const n = 50;
		const { room, stored } = preQueue(n, { available: 5, returnable: 0 });
		// Sold out before the start: every ticket of the pre-queue turns sold_out (rows written then).
		room.advance(T0 + 1_000, START, { available: 0, returnable: 0 });
		stored.commit(room);
		room.advance(START, START, { available: 0, returnable: 0 });
		stored.commit(room);
		expect(stored.lastRows).toBe(0);
		const loaded = stored.load();
		expect(ranksOf(loaded, n)).toEqual(ranksOf(room, n));
		expect(loaded.counts()).toMatchObject({ waiting: 0, tickets: n, places: 0 });
	});

	it("a sell-out turns every waiting ticket by one mark, not a row each, and a load agrees", () => {
		const stock = { available: 3, returnable: 0 };
		for (const n of [10, 2_000]) {
			const { room, stored } = preQueue(n, stock);
			room.advance(START, START, stock);
			stored.commit(room);
			// A late joiner in the same turn as the sell-out: its row is written, as sold_out.
			room.join("late", "t-late", START + 1, START, stock);
			room.advance(START + 2, START, { available: 0, returnable: 0 });
			const { tickets, waitingSoldOut } = room.drain();
			expect(waitingSoldOut).toBe(true);
			expect(tickets.map((t) => [t.ticketId, t.state])).toEqual([["t-late", "sold_out"]]);
			stored.rows.set("t-late", { ...(room.ticketOf("late") as QueueTicket) });
			for (const row of stored.rows.values()) if (row.state === "waiting") row.state = "sold_out";
			stored.snapshot = room.snapshot();
			const loaded = stored.load();
			expect(loaded.counts()).toEqual(room.counts());
			expect(loaded.counts()).toMatchObject({ waiting: 0, admitted: 3, tickets: n + 1 });
			expect(ranksOf(loaded, n)).toEqual(ranksOf(room, n));
		}
	});
});
