// A split SKU's coordinator and admissions that end with no use known
// (src/domain/waiting-room-admissions.ts, docs/decisions/090-room-tickets-and-ends-while-down.md):
// such an admission frees its place at once but is called lapsed only on its shard's word, and the
// pending ones survive a rebuild from the room's rows. A lapse says when the admission ended.

import { describe, expect, it } from "vitest";
import { WaitingRoom } from "../../src/domain/waiting-room.ts";
import { roomStock, SEED_A, stockOf, T0 } from "../support/waiting-room.ts";

const SETTINGS = { enabled: true, admitSeconds: 10, overbook: 0 };

describe("admissions ending before their shard's word", () => {
	it("are pending (no lapse), free their place, and settle as used or lapsed by the shard's hold records", () => {
		const inv = roomStock(2, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
		room.admissions.deferLapse = () => true;
		for (const s of ["a", "b", "c"]) room.join(s, `t-${s}`, T0, T0, stockOf(inv));
		const admitted = ["a", "b", "c"].filter((s) => room.isAdmitted(s, T0));
		expect(admitted).toHaveLength(2);
		const [used, unused] = admitted as [string, string];
		room.drain();

		const end = T0 + 10_000;
		room.advance(end, T0, stockOf(inv));
		// Over, places free (the third ticket is in), but nobody is called lapsed yet.
		expect(room.lapsed).toBe(0);
		expect(room.counts()).toMatchObject({ admitted: 1, waiting: 0 });
		expect(
			room
				.pendingLapses()
				.map((p) => p.sessionId)
				.sort(),
		).toEqual([used, unused].sort());
		expect(room.drain().events.filter((e) => e.type === "queue.lapsed")).toEqual([]);

		// Rebuilt from its rows (a restart of the coordinator): still pending.
		const rows = ["a", "b", "c"].map((s) => room.ticketOf(s)).filter((t) => t !== undefined);
		const again = new WaitingRoom(room.snapshot(), rows);
		again.admissions.deferLapse = () => true;
		expect(again.pendingLapses()).toHaveLength(2);

		// The shard: `used` held units 3 s into its admission, `unused` nothing.
		again.settleLapse(used, T0 + 3000, end + 500);
		again.settleLapse(unused, null, end + 500);
		expect(again.lapsed).toBe(1);
		expect(again.ticketOf(used)?.usedAtMs).toBe(T0 + 3000);
		const { events } = again.drain();
		expect(events).toEqual([
			{
				type: "queue.lapsed",
				atMs: end + 500,
				sessionId: unused,
				detail: { ticketId: `t-${unused}`, admittedUntil: new Date(end).toISOString() },
			},
		]);
		expect(again.pendingLapses()).toEqual([]);
		expect(again.snapshot().pendingLapses).toEqual([]);
	});

	it("a hold from before the admission does not count as its use", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0 + 1000);
		room.admissions.deferLapse = () => true;
		room.join("a", "t-a", T0 + 1000, T0, stockOf(inv));
		room.advance(T0 + 11_000, T0, stockOf(inv));
		room.settleLapse("a", T0 + 500, T0 + 11_500);
		expect(room.lapsed).toBe(1);
	});

	it("without a shard to ask (one object, the coordinator's own sessions) an unused admission lapses when it ends", () => {
		const inv = roomStock(1, T0);
		const room = WaitingRoom.enable(SETTINGS, SEED_A, T0);
		room.join("a", "t-a", T0, T0, stockOf(inv));
		room.drain();
		room.advance(T0 + 10_000, T0, stockOf(inv));
		expect(room.lapsed).toBe(1);
		expect(room.drain().events.find((e) => e.type === "queue.lapsed")?.detail).toEqual({
			ticketId: "t-a",
			admittedUntil: new Date(T0 + 10_000).toISOString(),
		});
	});
});
