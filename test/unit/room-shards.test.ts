// The room's link between a split SKU's objects (src/inventory/room-shards.ts and
// room-shard-gate.ts), with the peers faked: what a shard lets through, when it asks
// the coordinator, how a new drop or a disabled room reaches it, and the report gap
// that bounds the coordinator's load (docs/waiting-room.md, "A SKU split across shards").
import { afterEach, describe, expect, it, vi } from "vitest";
import { QUEUED_MEMO_MS } from "../../src/domain/bounds.ts";
import { shardOf } from "../../src/domain/escrow.ts";
import type { Inventory } from "../../src/domain/inventory.ts";
import { type HeldCursor, type HeldPage, pageOfRows } from "../../src/inventory/records.ts";
import {
	MAX_HELD_PER_REPORT,
	ROOM_RETRY_MS,
	type RoomAnswer,
	type RoomLedger,
	type RoomPeer,
	type RoomReport,
	reportGapMs,
	type ShardRoomState,
} from "../../src/inventory/room-shard-protocol.ts";
import { RoomLink } from "../../src/inventory/room-shards.ts";

const SHARDS = 4;

/** A session id that hashes to `shard` of SHARDS. */
function sessionOn(shard: number, n = 0): string {
	let found = 0;
	for (let i = 0; ; i++) {
		const id = `ses_${i}`;
		if (shardOf(id, SHARDS) === shard && found++ === n) return id;
	}
}

/**
 * records.ts heldPage over an array standing for the holds table (a hold's rowid: its place
 * + 1); each page lists a session once. The SQL itself: test/integration/recount-pages.test.ts.
 */
function pageOf(holds: [string, number][], cursor: HeldCursor, limit: number): HeldPage {
	const rows = holds
		.map(([sessionId, at], i) => ({ sessionId, at, row: i + 1 }))
		.filter(
			(r) =>
				r.at <= cursor.untilMs &&
				(r.at > cursor.afterMs || (r.at === cursor.afterMs && r.row > cursor.afterRow)),
		)
		.sort((a, b) => a.at - b.at || a.row - b.row)
		.slice(0, limit);
	return pageOfRows(rows, cursor, limit);
}

function shardLink(answers: Map<string, RoomAnswer>) {
	const asked: string[] = [];
	const reports: RoomReport[] = [];
	const wakes: number[] = [];
	const held: [string, number][] = [];
	const escrow = {
		ledger: {} as { room?: RoomLedger },
		shards: SHARDS,
		index: 1,
		isCoordinator: false,
		save: () => {},
	};
	const inv = { reserved: 0, sold: 0 } as unknown as Inventory;
	const coordinator: RoomPeer = {
		roomTickets: async (sessionIds) => {
			asked.push(...sessionIds);
			return sessionIds.map((sessionId) => {
				const a = answers.get(sessionId);
				if (a === undefined) throw new Error("no answer");
				return a;
			});
		},
		roomReport: async (r) => {
			reports.push(r);
			return escrow.ledger.room?.state ?? null;
		},
		roomSync: async () => 0,
		roomHeld: async (list) => list.map(() => null),
	};
	const link = new RoomLink(
		{
			inventory: () => inv,
			peer: () => coordinator,
			wake: (atMs) => wakes.push(atMs),
			admittedUntil: () => null,
			heldPage: (cursor, limit) => pageOf(held, cursor, limit),
			readersAmong: () => new Set(),
			markRead: () => {},
			pendingLapses: () => [],
			settleLapses: () => {},
		},
		escrow,
	);
	return { link, asked, reports, inv, wakes, held };
}

const on = (version: number, commitment = "c1"): ShardRoomState => ({
	enabled: true,
	commitment,
	version,
});

afterEach(() => {
	vi.useRealTimers();
});

describe("room link between a split SKU's objects", () => {
	it("the report gap keeps the coordinator at most ROOM_REPORTS_PER_SEC reports a second", () => {
		expect(reportGapMs(2)).toBe(100);
		expect(reportGapMs(11)).toBe(100);
		expect(reportGapMs(16)).toBe(150);
		expect(reportGapMs(50)).toBe(490);
		for (let k = 2; k <= 64; k++)
			expect(((k - 1) * 1000) / reportGapMs(k)).toBeLessThanOrEqual(100);
	});

	it("a shard gates only once it knows the room; asks once per session, then repeats the refusal for QUEUED_MEMO_MS", async () => {
		const waiting = sessionOn(1, 0);
		const admitted = sessionOn(1, 1);
		const until = Date.now() + 60_000;
		const ticket = { ticketId: "tkt_1", state: "waiting", position: 3 } as RoomAnswer["ticket"];
		const answers = new Map<string, RoomAnswer>([
			[waiting, { room: on(1), ticket, admittedUntilMs: null, retryAfterSeconds: 7 }],
			[admitted, { room: on(1), ticket: null, admittedUntilMs: until, retryAfterSeconds: 5 }],
		]);
		const { link, asked } = shardLink(answers);
		// No room known: everyone passes, nobody is asked about.
		await link.prepare([waiting]);
		expect(link.gate(waiting, Date.now())).toBeNull();
		expect(asked).toEqual([]);
		link.applyState(on(1));
		await link.prepare([waiting, admitted, waiting]);
		expect(asked.sort()).toEqual([admitted, waiting].sort());
		expect(link.gate(admitted, Date.now())).toBeNull();
		expect(link.gate(waiting, Date.now())).toEqual({
			ok: false,
			code: "queued",
			ticket,
			retryAfterSeconds: 7,
		});
		// Within the memo and within the admission: no second ask.
		await link.prepare([waiting, admitted]);
		expect(asked).toHaveLength(2);
		// After the memo: asked again. After the admission: refused.
		vi.useFakeTimers({ now: Date.now() + QUEUED_MEMO_MS + 1, toFake: ["Date"] });
		await link.prepare([waiting]);
		expect(asked).toHaveLength(3);
		expect(link.gate(admitted, until)).toMatchObject({ code: "queued" });
	});

	it("a coordinator that cannot be reached leaves the gate closed, not open", async () => {
		const { link } = shardLink(new Map());
		link.applyState(on(1));
		const s = sessionOn(1);
		await link.prepare([s]);
		expect(link.gate(s, Date.now())).toMatchObject({ code: "queued", ticket: null });
	});

	it("pushed admissions open the gate; a new drop's state drops them; an older state changes nothing; disabled opens it", () => {
		const { link } = shardLink(new Map());
		const s = sessionOn(1);
		const until = Date.now() + 60_000;
		expect(link.applySync(on(1), [{ sessionId: s, admittedUntilMs: until }])).toBe(1);
		expect(link.mayReserve(s, Date.now())).toBe(true);
		// An admission of another drop (another commitment) is ignored.
		link.applySync(on(2, "c2"), []);
		expect(link.mayReserve(s, Date.now())).toBe(false);
		link.applySync(on(1), [{ sessionId: s, admittedUntilMs: until }]);
		expect(link.state()).toMatchObject({ version: 2, commitment: "c2" });
		expect(link.mayReserve(s, Date.now())).toBe(false);
		link.applySync({ enabled: false, commitment: "c2", version: 3 }, []);
		expect(link.gating()).toBe(false);
		expect(link.mayReserve(s, Date.now())).toBe(true);
	});

	it("a first hold of an admission is reported once, with the shard's counts", async () => {
		const { link, reports, inv } = shardLink(new Map());
		const s = sessionOn(1);
		link.applySync(on(1), [{ sessionId: s, admittedUntilMs: Date.now() + 1000 }]);
		await vi.waitFor(() => expect(reports).toHaveLength(1)); // the report a gate turned on sends
		(inv as { reserved: number }).reserved = 1;
		link.onReserved(s, Date.now());
		await vi.waitFor(() => expect(reports).toHaveLength(2));
		expect(reports[1]).toMatchObject({ index: 1, reserved: 1, sold: 0 });
		expect(reports[1]?.uses.map(([id]) => id)).toEqual([s]);
		await vi.waitFor(() => expect(link.hasPending()).toBe(false));
		// A second hold of the same admission is no new use.
		link.onReserved(s, Date.now());
		expect(link.hasPending()).toBe(false);
		expect(reports).toHaveLength(2);
	});

	it("a shard's first report after it loaded recounts the holds; a report not confirmed yet keeps an alarm within ROOM_RETRY_MS", async () => {
		const { link, reports, inv, wakes, held } = shardLink(new Map());
		const s = sessionOn(1);
		const heldAt = Date.now() - 5000;
		held.push([s, heldAt]);
		link.applySync(on(1), [{ sessionId: s, admittedUntilMs: Date.now() + 60_000 }]);
		await vi.waitFor(() => expect(reports).toHaveLength(1));
		expect(reports[0]?.held).toEqual([[s, heldAt]]);
		// A hold right after: the report waits for the gap, and an alarm stands meanwhile, so a
		// restart that loses the timer and the unreported use still reports (and recounts).
		const before = Date.now();
		wakes.length = 0;
		(inv as { reserved: number }).reserved = 1;
		link.onReserved(s, Date.now());
		expect(link.hasPending()).toBe(true);
		expect(wakes.length).toBeGreaterThan(0);
		expect(Math.max(...wakes)).toBeLessThanOrEqual(Date.now() + ROOM_RETRY_MS);
		expect(Math.min(...wakes)).toBeGreaterThanOrEqual(before);
		await vi.waitFor(() => expect(reports).toHaveLength(2));
		// Recounted once: later reports carry only the uses.
		expect(reports[1]?.held).toBeUndefined();
		expect(reports[1]?.uses.map(([id]) => id)).toEqual([s]);
	});

	it("a shard's recount goes a page per report, MAX_HELD_PER_REPORT at most, at the report gap, until every hold went", async () => {
		const { link, reports, held } = shardLink(new Map());
		// 2.5 pages of holds within the longest admission, one older than it, one from later.
		const now = Date.now();
		const count = Math.floor(MAX_HELD_PER_REPORT * 2.5);
		held.push(["ses_too_old", now - 601_000]);
		for (let i = 0; i < count; i++) held.push([`ses_h${i}`, now - 500_000 + i]);
		held.push(["ses_later", now + 3_600_000]);
		link.applySync(on(1), []);
		expect(link.hasPending()).toBe(true);
		await vi.waitFor(() => expect(reports).toHaveLength(3), { timeout: 5000 });
		const pages = reports.map((r) => r.held ?? []);
		expect(pages.map((p) => p.length)).toEqual([
			MAX_HELD_PER_REPORT,
			MAX_HELD_PER_REPORT,
			count - 2 * MAX_HELD_PER_REPORT,
		]);
		const sessions = pages.flat().map(([id]) => id);
		expect(new Set(sessions).size).toBe(count);
		expect(sessions).not.toContain("ses_too_old");
		expect(sessions).not.toContain("ses_later");
		await vi.waitFor(() => expect(link.hasPending()).toBe(false));
		// Done: the counts alone, when they change.
		expect(reports).toHaveLength(3);
	});

	it("the coordinator asks a shard about an admission that ended while it was asking that shard, without waiting for an alarm", async () => {
		const first = sessionOn(1, 0);
		const second = sessionOn(1, 1);
		const lapse = (sessionId: string) => ({ sessionId, admittedAtMs: 1, admittedUntilMs: 2 });
		let pending = [lapse(first)];
		const questions: string[][] = [];
		const wakes: number[] = [];
		let answerFirst: (() => void) | null = null;
		const shard: RoomPeer = {
			roomTickets: async () => [],
			roomReport: async () => null,
			roomSync: async () => 0,
			roomHeld: async (list) => {
				questions.push(list.map((p) => p.sessionId));
				// The first question is still in flight when the second admission ends.
				if (questions.length === 1) await new Promise<void>((r) => (answerFirst = r));
				return list.map(() => null);
			},
		};
		const link = new RoomLink(
			{
				inventory: () => null,
				peer: () => shard,
				wake: (atMs) => wakes.push(atMs),
				admittedUntil: () => null,
				heldPage: () => ({ held: [], next: null }),
				readersAmong: () => new Set(),
				markRead: () => {},
				pendingLapses: () => pending,
				settleLapses: (settled) => {
					const done = new Set(settled.map(([id]) => id));
					pending = pending.filter((p) => !done.has(p.sessionId));
				},
			},
			{ ledger: {}, shards: SHARDS, index: 0, isCoordinator: true, save: () => {} },
		);
		link.changed();
		await vi.waitFor(() => expect(questions).toEqual([[first]]));
		pending = [...pending, lapse(second)];
		link.changed();
		// Give the second commit's turn its chance to ask: the shard is being asked, so it waits.
		await new Promise((r) => setTimeout(r, 10));
		expect(questions).toEqual([[first]]);
		(answerFirst as unknown as () => void)();
		// Once the shard answered, the admission that ended meanwhile is asked about at once.
		await vi.waitFor(() => expect(questions).toEqual([[first], [second]]));
		await vi.waitFor(() => expect(pending).toEqual([]));
		expect(wakes).toEqual([]);
	});

	it("the coordinator publishes a new version only when the room changed, and counts the whole SKU", () => {
		const escrow = {
			ledger: {} as { room?: RoomLedger },
			shards: SHARDS,
			index: 0,
			isCoordinator: true,
			save: () => {},
		};
		const link = new RoomLink(
			{
				inventory: () => null,
				peer: () => {
					throw new Error("no peers here");
				},
				wake: () => {},
				admittedUntil: () => null,
				heldPage: () => ({ held: [], next: null }),
				readersAmong: () => new Set(),
				markRead: () => {},
				pendingLapses: () => [],
				settleLapses: () => {},
			},
			escrow,
		);
		expect(link.publish(null)).toBe(false);
		expect(link.publish({ enabled: true, seedCommitment: "c1" })).toBe(true);
		expect(link.publish({ enabled: true, seedCommitment: "c1" })).toBe(false);
		expect(link.publish({ enabled: false, seedCommitment: "c1" })).toBe(true);
		expect(link.state()?.version).toBe(2);
		expect(link.gating()).toBe(false);
		link.receiveReport({ index: 2, reserved: 3, sold: 4, uses: [] });
		link.receiveReport({ index: 3, reserved: 1, sold: 0, uses: [] });
		// Shard 0's counts are live: 2 held, 1 sold; 20 units in all.
		expect(link.stock(20, 2, 1)).toEqual({ available: 9, returnable: 6 });
		expect(() => link.receiveReport({ index: 0, reserved: 0, sold: 0, uses: [] })).toThrow(
			RangeError,
		);
	});
});
