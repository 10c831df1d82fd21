// What a waiting room keeps (src/domain/waiting-room-kept.ts,
// docs/decisions/090-room-tickets-and-ends-while-down.md): its bound counts the tickets that
// take a place, not the ended ones, and ended tickets are forgotten once due (or past their
// own bound), while the queue's positions and ranks stay what they were.

import { describe, expect, it } from "vitest";
import {
	MAX_TICKETS,
	type QueueTicket,
	type RoomLimits,
	type RoomSnapshot,
	WaitingRoom,
} from "../../src/domain/waiting-room.ts";
import { roomLimits } from "../../src/domain/waiting-room-kept.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import { roomStock, SEED_A, stockOf, T0 } from "../support/waiting-room.ts";

const SETTINGS = { enabled: true, admitSeconds: 10, overbook: 0 };

/** A started room's snapshot with `n` tickets whose admissions ended long ago (as after a long drop). */
function longDrop(n: number): { snapshot: RoomSnapshot; tickets: QueueTicket[] } {
	const tickets: QueueTicket[] = Array.from({ length: n }, (_, i) => ({
		ticketId: `old-${i}`,
		sessionId: `old-s${i}`,
		seq: i + 1,
		joinedAtMs: T0 + i,
		state: "expired",
		rank: i,
		admittedAtMs: T0 + 60_000,
		admittedUntilMs: T0 + 70_000,
		usedAtMs: null,
	}));
	const snapshot: RoomSnapshot = {
		settings: SETTINGS,
		seed: SEED_A,
		seedCommitment: "c",
		startedAtMs: T0 + 1000,
		nextSeq: n + 1,
		admittedTotal: n,
		lapsed: n,
		soldOutTickets: 0,
	};
	return { snapshot, tickets };
}

describe("the room's bound and its ended tickets", () => {
	it("a room whose MAX_TICKETS tickets all ended admits a newcomer: the bound counts places, not ended tickets", () => {
		const inv = roomStock(100, T0);
		const { snapshot, tickets } = longDrop(MAX_TICKETS);
		const room = new WaitingRoom(snapshot, tickets);
		const now = T0 + 80_000;
		const joined = room.join("new", "t-new", now, T0, stockOf(inv));
		expect(joined.ok && joined.ticket.state).toBe("admitted");
		// Its rank follows every ticket ever taken, whichever the room still keeps.
		expect(joined.ok && joined.ticket.rank).toBe(MAX_TICKETS);
	});

	it("places still count: past maxTickets waiting or admitted tickets a join is refused", () => {
		const limits: RoomLimits = { maxTickets: 3, maxEnded: 100, endedKeepMs: 60_000 };
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0, limits);
		for (let i = 0; i < 3; i++)
			expect(room.join(`s${i}`, `t${i}`, T0, T0, stockOf(inv)).ok).toBe(true);
		expect(room.join("s3", "t3", T0, T0, stockOf(inv))).toEqual({ ok: false, code: "queue_full" });
		// The admitted one lapses (it is ended now) and the next is admitted: still 2 places + 1 ended.
		room.advance(T0 + 10_000, T0, stockOf(inv));
		expect(room.counts()).toMatchObject({ waiting: 1, admitted: 1, places: 2, tickets: 3 });
		expect(room.join("s3", "t3", T0 + 10_000, T0, stockOf(inv)).ok).toBe(true);
	});

	it("forgets an ended ticket once due, answers its session with it until then, and keeps positions right", () => {
		const limits: RoomLimits = { maxTickets: 100, maxEnded: 100, endedKeepMs: 60_000 };
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0, limits);
		for (let i = 0; i < 4; i++) room.join(`s${i}`, `t${i}`, T0, T0, stockOf(inv));
		room.drain();
		// Each admission lapses in turn: three ended tickets, the fourth admitted.
		let now = T0;
		for (let i = 0; i < 3; i++) {
			now += 10_000;
			room.advance(now, T0, stockOf(inv));
		}
		expect(room.counts()).toMatchObject({ admitted: 1, waiting: 0, tickets: 4 });
		const ended = ["s0", "s1", "s2"].filter((s) => room.ticketOf(s)?.state === "expired");
		expect(ended).toHaveLength(3);
		// Within the keep window the session gets its ended ticket again, not a new one.
		const again = room.join(ended[0] as string, "t-again", now, T0, stockOf(inv));
		expect(again.ok && !again.created && again.ticket.state).toBe("expired");
		room.drain();
		// Past it (they ended at +10, +20 and +30 s; the fourth admission ends at +40 s), a join
		// forgets the three (their rows go) and a newcomer queues at the right place.
		now = T0 + 95_000;
		const late = room.join("late", "t-late", now, T0, stockOf(inv));
		const out = room.drain();
		expect(out.forgotten.sort()).toEqual(ended.map((s) => `t${s.slice(1)}`).sort());
		for (const s of ended) expect(room.ticketOf(s)).toBeUndefined();
		expect(room.counts()).toMatchObject({ tickets: 2, admitted: 1, waiting: 0 });
		expect(late.ok && late.ticket).toMatchObject({ rank: 4, state: "admitted" });
		// A forgotten session asking again is a newcomer (as a new session would be), next in line.
		const back = room.join(ended[0] as string, "t-back", now, T0, stockOf(inv));
		expect(back.ok && back.created && back.ticket.rank).toBe(5);
		expect(back.ok && room.position(back.ticket)).toBe(1);
	});

	it("keeps at most maxEnded ended tickets, the oldest forgotten first", () => {
		const limits: RoomLimits = { maxTickets: 100, maxEnded: 2, endedKeepMs: 3_600_000 };
		const inv = roomStock(0, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0, limits);
		room.advance(T0, T0, stockOf(inv));
		// Nothing to sell: every join is sold out at once.
		for (let i = 0; i < 5; i++) {
			const joined = room.join(`s${i}`, `t${i}`, T0 + i, T0, stockOf(inv));
			expect(joined.ok && joined.ticket.state).toBe("sold_out");
		}
		const kept = [0, 1, 2, 3, 4].filter((i) => room.ticketOf(`s${i}`) !== undefined);
		expect(kept).toEqual([2, 3, 4]);
		expect(room.drain().forgotten).toEqual(["t0", "t1"]);
	});

	it("rebuilt from its rows after forgetting, the room gives the next ticket the next rank", () => {
		const inv = roomStock(100, T0);
		const { snapshot, tickets } = longDrop(10);
		const limits: RoomLimits = { maxTickets: 100, maxEnded: 100, endedKeepMs: 60_000 };
		const room = new WaitingRoom(snapshot, tickets, limits);
		const now = T0 + 70_000 + 60_000;
		expect(room.join("a", "t-a", now, T0, stockOf(inv)).ok).toBe(true);
		const out = room.drain();
		expect(out.forgotten).toHaveLength(10);
		const rows = out.tickets;
		const again = new WaitingRoom(room.snapshot(), rows, limits);
		const joined = again.join("b", "t-b", now + 1, T0, stockOf(inv));
		expect(joined.ok && joined.ticket.rank).toBe(11);
	});
});

describe("how long a room keeps an ended ticket", () => {
	it("covers the session's lifetime and the grace in which it may be renewed", () => {
		// A 20-minute session renewed within its grace (decision 086) still finds its ended ticket.
		expect(roomLimits(1200).endedKeepMs).toBe((1200 + SESSION_GRACE_SECONDS) * 1000);
		// A short session: the grace still counts.
		expect(roomLimits(10).endedKeepMs).toBe((10 + SESSION_GRACE_SECONDS) * 1000);
	});
});
