// Idle tickets, a ticket farm and the room's places (src/domain/waiting-room.ts,
// src/domain/waiting-room-places.ts, docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md):
// an admission whose session never read the product lasts UNREAD_ADMIT_SECONDS, so read tickets
// behind idle ones are reached within the first round; unread tickets fill at most their share of
// the room; one address holds at most its cap of places, and both counts survive a rebuild.

import { describe, expect, it } from "vitest";
import {
	type JoinFrom,
	type QueueTicket,
	type RoomLimits,
	UNREAD_ADMIT_SECONDS,
	WaitingRoom,
} from "../../src/domain/waiting-room.ts";
import { roomStock, SEED_A, stockOf, T0 } from "../support/waiting-room.ts";

const read = (clientKey: string | null = null, perAddress = 0): JoinFrom => ({
	clientKey,
	unread: false,
	perAddress,
});
const unread = (clientKey: string | null = null, perAddress = 0): JoinFrom => ({
	clientKey,
	unread: true,
	perAddress,
});

describe("idle tickets in the admission budget", () => {
	it("40 unread and 4 read tickets, 10 units, admitSeconds 60: every read ticket is admitted within the first round", () => {
		const start = T0 + 60_000;
		const inv = roomStock(10, start);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const readers = ["r0", "r1", "r2", "r3"];
		for (let i = 0; i < 40; i++)
			room.join(`u${i}`, `tu${i}`, T0 + i, start, stockOf(inv), false, unread());
		for (const [i, s] of readers.entries())
			room.join(s, `t${s}`, T0 + 100 + i, start, stockOf(inv), false, read());
		// Nobody reserves: the units stay, admissions lapse and the next ones come in.
		const admittedAt = new Map<string, number>();
		for (let at = start; at < start + 60_000; at += 500) {
			room.advance(at, start, stockOf(inv));
			for (const s of readers)
				if (!admittedAt.has(s) && room.ticketOf(s)?.state !== "waiting") admittedAt.set(s, at);
		}
		expect([...admittedAt.keys()].sort()).toEqual(readers);
		for (const s of readers) {
			const t = room.ticketOf(s) as QueueTicket;
			expect((t.admittedUntilMs as number) - (t.admittedAtMs as number)).toBe(60_000);
		}
		const idle = room.ticketOf("u0") as QueueTicket;
		expect(idle.state).not.toBe("waiting");
		expect((idle.admittedUntilMs as number) - (idle.admittedAtMs as number)).toBe(
			UNREAD_ADMIT_SECONDS * 1000,
		);
	});

	it("an unread ticket whose session read since its join gets the whole admission", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		room.hasReadNow = (s) => s === "late";
		room.join("late", "t1", T0, T0, stockOf(inv), false, unread());
		const t = room.ticketOf("late") as QueueTicket;
		expect(t.state).toBe("admitted");
		expect(t.admittedUntilMs).toBe(T0 + 60_000);
	});

	it("a room whose admitSeconds is below the unread lease keeps its own", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		room.join("u", "t1", T0, T0, stockOf(inv), false, unread());
		expect(room.ticketOf("u")?.admittedUntilMs).toBe(
			T0 + Math.min(10, UNREAD_ADMIT_SECONDS) * 1000,
		);
	});
});

describe("the room's places", () => {
	const SETTINGS = { enabled: true, admitSeconds: 10, overbook: 0 };

	it("a room filled by unread tickets still takes a read session's join (MAX_TICKETS injected)", () => {
		const limits: RoomLimits = { maxTickets: 10, maxUnread: 8, maxEnded: 100, endedKeepMs: 60_000 };
		const inv = roomStock(5, T0 + 3_600_000);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0, limits);
		let taken = 0;
		for (let i = 0; i < 20; i++) {
			const joined = room.join(
				`u${i}`,
				`tu${i}`,
				T0,
				T0 + 3_600_000,
				stockOf(inv),
				false,
				unread(),
			);
			if (joined.ok) taken += 1;
			else expect(joined).toEqual({ ok: false, code: "unread_full" });
		}
		expect(taken).toBe(8);
		// The read sessions take the rest of the room, then it is full for everyone.
		for (const s of ["r0", "r1"])
			expect(room.join(s, `t${s}`, T0, T0 + 3_600_000, stockOf(inv), false, read()).ok).toBe(true);
		expect(room.join("r2", "tr2", T0, T0 + 3_600_000, stockOf(inv), false, read())).toEqual({
			ok: false,
			code: "queue_full",
		});
	});

	it("a waiting ticket whose session read since its unread join leaves the unread share, and a rebuild agrees", () => {
		const limits: RoomLimits = { maxTickets: 10, maxUnread: 2, maxEnded: 100, endedKeepMs: 60_000 };
		const start = T0 + 3_600_000;
		const inv = roomStock(5, start);
		const room = WaitingRoom.enable({ ...SETTINGS, admitSeconds: 60 }, SEED_A, T0, limits);
		for (const s of ["u0", "u1"])
			expect(room.join(s, `t${s}`, T0, start, stockOf(inv), false, unread()).ok).toBe(true);
		expect(room.join("u2", "tu2", T0, start, stockOf(inv), false, unread())).toEqual({
			ok: false,
			code: "unread_full",
		});
		// u0 reads: its ticket counts as read, and the share has a place again.
		const changed = room.readSince("u0");
		expect(changed?.ticketId).toBe("tu0");
		expect(changed?.unread).toBe(false);
		expect(room.readSince("u0")).toBeNull();
		expect(room.readSince("nobody")).toBeNull();
		expect(room.join("u2", "tu2", T0, start, stockOf(inv), false, unread()).ok).toBe(true);
		expect(room.join("u3", "tu3", T0, start, stockOf(inv), false, unread())).toEqual({
			ok: false,
			code: "unread_full",
		});
		// The rows as written (u0's read since) rebuild the same share.
		const rows = ["u0", "u1", "u2"].map((s) => ({ ...(room.ticketOf(s) as QueueTicket) }));
		const rebuilt = new WaitingRoom(room.snapshot(), rows, limits);
		expect(rebuilt.join("u3", "tu3", T0, start, stockOf(inv), false, unread())).toEqual({
			ok: false,
			code: "unread_full",
		});
		// The start admits u0 for the whole turn (no hasReadNow: its ticket alone says it read).
		room.advance(start, start, stockOf(inv));
		const t = room.ticketOf("u0") as QueueTicket;
		expect(t.state).toBe("admitted");
		expect((t.admittedUntilMs as number) - (t.admittedAtMs as number)).toBe(60_000);
		expect(room.ticketOf("u1")?.admittedUntilMs).toBe(start + UNREAD_ADMIT_SECONDS * 1000);
	});

	it("a read during an unread ticket's admission does not lengthen it", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		room.join("u", "t1", T0, T0, stockOf(inv), false, unread());
		expect(room.ticketOf("u")?.state).toBe("admitted");
		expect(room.readSince("u")).toBeNull();
		expect(room.ticketOf("u")?.admittedUntilMs).toBe(T0 + UNREAD_ADMIT_SECONDS * 1000);
	});

	it("an address's tickets taken under yesterday's key hold their places against today's joins", () => {
		// Keys are the day's hash of the address (decision 160): "A1" before midnight UTC, "A2" after.
		const inv = roomStock(1, T0 + 60_000);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
		const start = T0 + 60_000;
		for (let i = 0; i < 2; i++)
			expect(room.join(`a${i}`, `ta${i}`, T0, start, stockOf(inv), false, read("A1", 3)).ok).toBe(
				true,
			);
		const after: JoinFrom = { clientKey: "A2", formerKey: "A1", unread: false, perAddress: 3 };
		expect(room.join("a2", "ta2", T0 + 1, start, stockOf(inv), false, after).ok).toBe(true);
		expect(room.join("a3", "ta3", T0 + 2, start, stockOf(inv), false, after)).toEqual({
			ok: false,
			code: "address_full",
			perAddress: 3,
		});
		// Without the look back, today's key alone holds one place: the cap would have started afresh.
		expect(room.join("a3", "ta3", T0 + 2, start, stockOf(inv), false, read("A2", 3)).ok).toBe(true);
	});

	it("one address holds at most its cap of places; an ended ticket frees one; the count survives a rebuild", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
		for (let i = 0; i < 3; i++)
			expect(room.join(`a${i}`, `ta${i}`, T0, T0, stockOf(inv), false, read("A", 3)).ok).toBe(true);
		expect(room.join("a3", "ta3", T0, T0, stockOf(inv), false, read("A", 3))).toEqual({
			ok: false,
			code: "address_full",
			perAddress: 3,
		});
		// Another address, and a session not counted against one, still join.
		expect(room.join("b0", "tb0", T0, T0, stockOf(inv), false, read("B", 3)).ok).toBe(true);
		expect(room.join("n0", "tn0", T0, T0, stockOf(inv), false, read(null, 3)).ok).toBe(true);
		// Rebuilt from its rows (a restart): A still holds 3.
		const rows = [...["a0", "a1", "a2", "b0", "n0"]].map((s) => room.ticketOf(s) as QueueTicket);
		const again = new WaitingRoom(room.snapshot(), rows);
		expect(again.join("a3", "ta3", T0, T0, stockOf(inv), false, read("A", 3)).ok).toBe(false);
		// The admitted one (1 unit) lapses after 10 s: its place is free, A may join once more.
		again.advance(T0 + 10_000, T0, stockOf(inv));
		expect(again.join("a3", "ta3", T0 + 10_000, T0, stockOf(inv), false, read("A", 3)).ok).toBe(
			true,
		);
		expect(again.join("a4", "ta4", T0 + 10_000, T0, stockOf(inv), false, read("A", 3)).ok).toBe(
			false,
		);
	});

	it("a sold-out room frees every place it turned", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
		for (let i = 0; i < 2; i++)
			room.join(`a${i}`, `ta${i}`, T0, T0, stockOf(inv), false, read("A", 2));
		expect(room.join("a2", "ta2", T0, T0, stockOf(inv), false, read("A", 2)).ok).toBe(false);
		room.advance(T0 + 1, T0, { available: 0, returnable: 0 });
		expect(
			room.ticketOf("a1")?.state === "sold_out" || room.ticketOf("a0")?.state === "sold_out",
		).toBe(true);
		room.advance(T0 + 10_000, T0, { available: 0, returnable: 0 });
		const joined = room.join(
			"a2",
			"ta2",
			T0 + 10_000,
			T0,
			{ available: 0, returnable: 0 },
			false,
			read("A", 2),
		);
		expect(joined.ok).toBe(true);
	});
});
