// Builders for the waiting room's unit tests (test/unit/waiting-room*.test.ts): the
// stock a room admits against, what the room sees of it, and the random commands
// the property test drives the room and the stock with.

import fc from "fast-check";
import { Inventory } from "../../src/domain/inventory.ts";
import type {
	QueueTicket,
	RoomSnapshot,
	StockView,
	WaitingRoom,
} from "../../src/domain/waiting-room.ts";

export const T0 = Date.UTC(2026, 0, 1);
export const SEED_A = "a".repeat(64);

/** One SKU's stock for a room test: 1-cent units, two per session, selling from `startsAtMs`. */
export function roomStock(
	totalStock: number,
	startsAtMs: number | null = T0 + 10_000,
	holdSeconds = 30,
): Inventory {
	return Inventory.create(
		{
			sku: "S",
			name: "n",
			priceCents: 1,
			currency: "USD",
			totalStock,
			holdSeconds,
			perUserLimit: 2,
			startsAtMs,
		},
		T0,
	);
}

/** What the room sees of the stock: units free now, units held that could come back. */
export function stockOf(inv: Inventory): StockView {
	return { available: inv.counters().available, returnable: inv.reserved };
}

export type RoomCmd =
	| { kind: "join"; session: number }
	| { kind: "reserve"; session: number; quantity: number }
	| { kind: "cancel"; pick: number }
	| { kind: "pay"; pick: number }
	| { kind: "wait"; ms: number };

export const roomCmdArb = (sessions: number): fc.Arbitrary<RoomCmd> =>
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record({
				kind: fc.constant("join" as const),
				session: fc.nat({ max: sessions - 1 }),
			}),
		},
		{
			weight: 4,
			arbitrary: fc.record({
				kind: fc.constant("reserve" as const),
				session: fc.nat({ max: sessions - 1 }),
				quantity: fc.integer({ min: 1, max: 2 }),
			}),
		},
		{ weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
		{ weight: 1, arbitrary: fc.record({ kind: fc.constant("pay" as const), pick: fc.nat() }) },
		{
			weight: 2,
			arbitrary: fc.record({
				kind: fc.constant("wait" as const),
				ms: fc.integer({ min: 100, max: 40_000 }),
			}),
		},
	);

/**
 * What a room's object holds in SQLite, the room row and the ticket rows, written from each
 * drain as the keeper (inventory/waiting-room.ts) writes them.
 */
export class StoredRoom {
	snapshot: RoomSnapshot | null = null;
	rows = new Map<string, QueueTicket>();
	/** Ticket rows written by the last commit. */
	lastRows = 0;

	commit(room: WaitingRoom): void {
		const { tickets, forgotten, waitingSoldOut } = room.drain();
		for (const id of forgotten) this.rows.delete(id);
		if (waitingSoldOut)
			for (const row of this.rows.values()) if (row.state === "waiting") row.state = "sold_out";
		for (const t of tickets) this.rows.set(t.ticketId, { ...t });
		this.lastRows = tickets.length;
		this.snapshot = room.snapshot();
	}
}
