// The SKU object's waiting room (docs/waiting-room.md): the pure rules of
// domain/waiting-room.ts kept in the object's SQLite. The room lives in the
// object named `<sku>` — the one that decides the SKU's reserves, and the
// coordinator when a SKU is split into shards — so one queue per SKU keeps the
// shuffle and FIFO global (docs/waiting-room.md, "Where the queue lives").
//
// Everything here runs inside the caller's synchronous turn: the ticket rows,
// the room row and the audit events the caller appends to the outbox are one
// transaction with the decisions that caused them.

import type { DomainEvent, Inventory } from "../domain/inventory.ts";
import {
	DEFAULT_ADMIT_SECONDS,
	DEFAULT_OVERBOOK,
	DEFAULT_ROOM_LIMITS,
	type JoinFrom,
	type JoinOutcome,
	type PendingLapse,
	type QueueTicket,
	type RoomLimits,
	type RoomSettings,
	type RoomSnapshot,
	type StockView,
	WaitingRoom,
} from "../domain/waiting-room.ts";
import { estimateEta } from "../domain/waiting-room-eta.ts";
import { SEED_BYTES } from "../domain/waiting-room-shuffle.ts";
import { hex } from "../shared/hex.ts";
import type { QueueStats, Ticket, WaitingRoomInfo } from "../shared/types.ts";
import { changesRoom } from "./patch-changes.ts";
import { readTickets, writeReadSince, writeTicket } from "./room-ticket-rows.ts";

/** Retry-After of a 429 `queued` without a measured ETA; with one, the ETA clamped to this range. */
export const QUEUED_RETRY_MIN_SECONDS = 1;
export const QUEUED_RETRY_DEFAULT_SECONDS = 5;
export const QUEUED_RETRY_MAX_SECONDS = 30;

/** A ticket no wait turns into an admission: its admission is over, or the room sold out. */
export function isFinalTicket(ticket: Ticket): boolean {
	return ticket.state === "expired" || ticket.state === "sold_out";
}

/**
 * Retry-After for a 429 `queued`: the ETA when measured, clamped; the longest wait for a
 * final ticket (RoomKeeper.retryAfterSeconds; also eventual mode's gate, worker/eventual.ts).
 */
export function queuedRetryAfterSeconds(ticket: Ticket | null): number {
	if (ticket !== null && isFinalTicket(ticket)) return QUEUED_RETRY_MAX_SECONDS;
	if (ticket?.etaSeconds === null || ticket?.etaSeconds === undefined)
		return QUEUED_RETRY_DEFAULT_SECONDS;
	return Math.min(
		QUEUED_RETRY_MAX_SECONDS,
		Math.max(QUEUED_RETRY_MIN_SECONDS, Math.ceil(ticket.etaSeconds)),
	);
}

/**
 * A read after an unread join is written with the room's next write, or at most this long after it
 * by a write of its own that carries every such read of the second, as the rejection counters
 * are (inventory/state-writer.ts COUNTERS_FLUSH_MS): well before the object can sleep
 * (docs/decisions/142-a-read-after-the-join.md). A crash within it loses those reads.
 */
export const READ_SINCE_FLUSH_MS = 1000;

/** A room setting as the admin routes pass it (absent fields keep their value or default). */
export type RoomPatch = Partial<RoomSettings>;

/** What a PATCH moving `startsAt` does to the room (RoomKeeper.startMove). */
export type StartMove = "none" | "refused" | "rearm";

export class RoomKeeper {
	room: WaitingRoom | null = null;
	/** Admissions written since the last take (a split SKU's coordinator pushes them to the shards). */
	private admittedNow: { sessionId: string; admittedUntilMs: number }[] = [];
	/** Tickets whose session read after an unread join, their rows not written yet. */
	private readSince = new Set<string>();
	private readSinceTimer: ReturnType<typeof setTimeout> | null = null;

	/**
	 * `stock`: what the room admits by. The object's own counters by default; a split
	 * SKU's coordinator counts the whole SKU (inventory/room-shards.ts).
	 */
	constructor(
		private readonly sql: SqlStorage,
		private readonly stock: (inv: Inventory) => StockView = stockOf,
		private readonly limits: RoomLimits = DEFAULT_ROOM_LIMITS,
		/** A split SKU's coordinator: sessions whose ended admission waits for their shard's word. */
		private readonly deferLapse: ((sessionId: string) => boolean) | null = null,
		/**
		 * Whether this object counts every session's units (a SKU in one object). A split SKU's
		 * units lie in each session's shard, which a join does not ask (docs/waiting-room.md).
		 */
		private readonly countsUsage: () => boolean = () => true,
		/** Sessions whose ended tickets were just deleted (their stored read: inventory/readers.ts). */
		private readonly ticketsForgotten: (sessionIds: ReadonlySet<string>) => void = () => {},
		/** Whether the session has read the product by now (the guard's memory, the stored reads). */
		private readonly hasReadNow: ((sessionId: string) => boolean) | null = null,
	) {}

	/**
	 * Every room this keeper makes or loads defers lapses as the object says (a split SKU's
	 * coordinator) and knows the reads the object saw.
	 */
	private adopt(room: WaitingRoom): WaitingRoom {
		room.admissions.deferLapse = this.deferLapse;
		room.hasReadNow = this.hasReadNow;
		return room;
	}

	/** The room, if one was ever enabled (its tables are migration 3 of inventory/schema.ts). */
	load(): void {
		// The rows are the truth again: a read not written yet is lost, as in a crash.
		this.dropReadSince();
		const row = this.sql
			.exec<{ snapshot: string }>("SELECT snapshot FROM room WHERE id = 1")
			.toArray()[0];
		if (row === undefined) {
			this.room = null;
			return;
		}
		const tickets = readTickets(this.sql);
		this.room = this.adopt(
			WaitingRoom.fromRows(JSON.parse(row.snapshot) as RoomSnapshot, tickets, this.limits),
		);
	}

	/**
	 * What a PATCH's `startsAtMs` does to a room that has started
	 * (docs/decisions/087-room-start-and-public-order.md): moved to a later moment still
	 * ahead, it would leave the room admitting while nothing can be bought, so each
	 * admission lapses unused. With tickets it is refused; with none the room is re-armed
	 * (a new seed, a pre-queue until the new start: `patched`). Checked before anything changes,
	 * at `nowMs` of a tick: a start already due has started the room, so it is judged started.
	 */
	startMove(inv: Inventory, startsAtMs: number | null | undefined, nowMs: number): StartMove {
		const room = this.room;
		if (room === null || room.startedAtMs === null) return "none";
		if (startsAtMs === undefined || startsAtMs === null || startsAtMs <= nowMs) return "none";
		if (startsAtMs === inv.product.startsAtMs) return "none";
		return room.counts().tickets > 0 ? "refused" : "rearm";
	}

	/** A PATCH's room settings (if any) and its start move, in the PATCH's own transaction. */
	patched(patch: RoomPatch | null, move: StartMove, nowMs: number): void {
		if (patch !== null) this.configure(patch, nowMs);
		if (move === "rearm") this.reset(nowMs);
	}

	/** Creates or changes the room; a room is never deleted, only disabled. */
	configure(patch: RoomPatch, nowMs: number): void {
		// Settings it already has change nothing and record nothing (inventory/patch-changes.ts).
		if (!changesRoom(this.room?.settings ?? null, patch)) return;
		if (this.room === null) {
			this.room = this.adopt(
				WaitingRoom.enable(
					{
						enabled: true,
						admitSeconds: patch.admitSeconds ?? DEFAULT_ADMIT_SECONDS,
						overbook: patch.overbook ?? DEFAULT_OVERBOOK,
					},
					newSeed(),
					nowMs,
					this.limits,
				),
			);
			return;
		}
		this.room.configure({ ...this.room.settings, ...patch }, nowMs);
	}

	/** A reset starts a new drop: tickets dropped, a new seed committed (docs/waiting-room.md). */
	reset(nowMs: number): void {
		if (this.room === null) return;
		this.room = this.adopt(WaitingRoom.reset(this.room, newSeed(), nowMs));
		this.sql.exec("DELETE FROM room_tickets");
		this.dropReadSince();
	}

	/** Moves the room to `nowMs` against the stock; true when something changed (to persist). */
	advance(inv: Inventory, nowMs: number): boolean {
		const room = this.room;
		if (room === null) return false;
		room.advance(nowMs, inv.product.startsAtMs, this.stock(inv));
		return room.hasChanges();
	}

	/**
	 * `from`: the session's address and the edge's word on its read. A read the object saw (the
	 * guard, the stored reads) counts too: the edge that took the join may not be the one that
	 * served the read.
	 */
	join(
		inv: Inventory,
		sessionId: string,
		ticketId: string,
		nowMs: number,
		from?: JoinFrom,
	): JoinOutcome | null {
		if (this.room === null || !this.room.settings.enabled) return null;
		const atLimit = this.countsUsage() && inv.usageOf(sessionId) >= inv.product.perUserLimit;
		const who =
			from === undefined
				? undefined
				: { ...from, unread: from.unread && this.hasReadNow?.(sessionId) !== true };
		// A session that joins again having read since: its ticket counts as read (no-op without one).
		if (who !== undefined && !who.unread) this.read(sessionId);
		return this.room.join(
			sessionId,
			ticketId,
			nowMs,
			inv.product.startsAtMs,
			this.stock(inv),
			atLimit,
			who,
		);
	}

	/**
	 * The object saw the session read the product (its own read, the edge's word on one) or try to
	 * reserve (decision 157): its waiting ticket taken unread counts as read from now (readSince).
	 * Memory at once; the row with the room's next write or within READ_SINCE_FLUSH_MS, never in its
	 * own turn: a read answers without a commit (docs/decisions/142-a-read-after-the-join.md).
	 */
	read(sessionId: string): void {
		const t = this.room?.readSince(sessionId) ?? null;
		if (t === null) return;
		this.readSince.add(t.ticketId);
		this.readSinceTimer ??= setTimeout(() => {
			this.readSinceTimer = null;
			this.writeReadSince();
		}, READ_SINCE_FLUSH_MS);
	}

	/** Null: the session may reserve (no enabled room, or admitted). Else its ticket, or null without one. */
	gate(sku: string, sessionId: string, nowMs: number): { ticket: Ticket | null } | null {
		const room = this.room;
		if (room === null || !room.settings.enabled || room.isAdmitted(sessionId, nowMs)) return null;
		const t = room.ticketOf(sessionId);
		return { ticket: t === undefined ? null : this.view(sku, t, nowMs) };
	}

	onReserved(sessionId: string, nowMs: number): void {
		this.room?.markUsed(sessionId, nowMs);
	}

	/** A split SKU's shard recounted that the session holds units since `heldAtMs` (after a restart). */
	onHeldSince(sessionId: string, heldAtMs: number): void {
		this.room?.markHeldSince(sessionId, heldAtMs);
	}

	/** A split SKU's coordinator: the ended admissions waiting for their shard's word (inventory/room-shards.ts). */
	pendingLapses(): PendingLapse[] {
		return this.room?.pendingLapses() ?? [];
	}

	/** The shard's word on a pending admission: the session's first hold within it, or null (then lapsed). */
	settleLapse(sessionId: string, heldAtMs: number | null, nowMs: number): void {
		this.room?.settleLapse(sessionId, heldAtMs, nowMs);
	}

	/** True when the room lets the session reserve now (no enabled room, or admitted). */
	mayReserve(sessionId: string, nowMs: number): boolean {
		const room = this.room;
		return room === null || !room.settings.enabled || room.isAdmitted(sessionId, nowMs);
	}

	/** Until when the session's admission lasts (null: not admitted now). */
	admittedUntil(sessionId: string, nowMs: number): number | null {
		const room = this.room;
		if (room === null || !room.isAdmitted(sessionId, nowMs)) return null;
		return room.ticketOf(sessionId)?.admittedUntilMs ?? null;
	}

	/** The admissions written since the last call. */
	takeAdmitted(): { sessionId: string; admittedUntilMs: number }[] {
		const out = this.admittedNow;
		this.admittedNow = [];
		return out;
	}

	ticket(sku: string, sessionId: string, nowMs: number): Ticket | null {
		const t = this.room?.ticketOf(sessionId);
		return t === undefined ? null : this.view(sku, t, nowMs);
	}

	view(sku: string, t: QueueTicket, nowMs: number): Ticket {
		const room = this.room as WaitingRoom;
		const position = room.position(t);
		const rate = room.admissionRate(nowMs);
		const eta = position === null ? null : estimateEta(position, rate.admissions, rate.windowMs);
		return {
			ticketId: t.ticketId,
			sku,
			state: t.state,
			position,
			etaSeconds: eta?.etaSeconds ?? null,
			etaRangeSeconds: eta === null ? null : { low: eta.lowSeconds, high: eta.highSeconds },
			admittedUntil:
				t.state === "admitted" && t.admittedUntilMs !== null
					? new Date(t.admittedUntilMs).toISOString()
					: null,
			joinedAt: new Date(t.joinedAtMs).toISOString(),
		};
	}

	info(): WaitingRoomInfo | null {
		const room = this.room;
		if (room === null) return null;
		const counts = room.counts();
		return {
			...room.settings,
			seedCommitment: room.seedCommitment,
			seed: room.revealedSeed(),
			waiting: counts.waiting,
			admitted: counts.admitted,
		};
	}

	stats(nowMs: number): QueueStats | undefined {
		const room = this.room;
		if (room === null) return undefined;
		const counts = room.counts();
		const rate = room.admissionRate(nowMs);
		return {
			waiting: counts.waiting,
			admitted: counts.admitted,
			admittedTotal: room.admittedTotal,
			lapsed: room.lapsed,
			soldOutTickets: room.soldOutTickets,
			admissionsPerSec: rate.admissions / (rate.windowMs / 1000),
		};
	}

	/**
	 * Retry-After for a 429 `queued`: the ETA when measured, clamped. An expired or
	 * sold-out ticket is final (docs/waiting-room.md, "Ticket states"): no wait brings
	 * an admission, so a client that honours Retry-After is held off for the longest.
	 */
	retryAfterSeconds(ticket: Ticket | null): number {
		return queuedRetryAfterSeconds(ticket);
	}

	nextDeadlineMs(inv: Inventory): number | null {
		return this.room?.nextDeadlineMs(inv.product.startsAtMs) ?? null;
	}

	/**
	 * Writes what the room changed (ticket rows and the room row) and returns its
	 * audit events for the caller's outbox — in the caller's transaction.
	 */
	flush(): DomainEvent[] {
		// Reads since an unread join ride with any write, before the rows it writes whole.
		this.writeReadSince();
		const room = this.room;
		if (room === null || !room.hasChanges()) return [];
		const { tickets, events, forgotten, waitingSoldOut } = room.drain();
		// Ended tickets the room let go (domain/waiting-room-kept.ts): the trail in D1 keeps their record.
		const left = new Set<string>();
		for (const id of forgotten) {
			const sql = "DELETE FROM room_tickets WHERE ticket_id = ? RETURNING session_id";
			for (const row of this.sql.exec<{ session_id: string }>(sql, id)) left.add(row.session_id);
		}
		if (left.size > 0) this.ticketsForgotten(left);
		// The room sold out: every waiting ticket at once, one statement (the rows written below come after).
		if (waitingSoldOut)
			this.sql.exec("UPDATE room_tickets SET state = 'sold_out' WHERE state = 'waiting'");
		for (const t of tickets) {
			if (t.state === "admitted" && t.usedAtMs === null && t.admittedUntilMs !== null)
				this.admittedNow.push({ sessionId: t.sessionId, admittedUntilMs: t.admittedUntilMs });
			writeTicket(this.sql, t);
		}
		this.sql.exec(
			"INSERT OR REPLACE INTO room (id, snapshot) VALUES (1, ?)",
			JSON.stringify(room.snapshot()),
		);
		return events;
	}

	private writeReadSince(): void {
		if (this.readSince.size > 0) writeReadSince(this.sql, this.readSince);
		this.dropReadSince();
	}

	private dropReadSince(): void {
		this.readSince.clear();
		if (this.readSinceTimer !== null) clearTimeout(this.readSinceTimer);
		this.readSinceTimer = null;
	}
}

function stockOf(inv: Inventory): StockView {
	const { available, total } = inv.counters();
	return { available, returnable: inv.reserved, total };
}

function newSeed(): string {
	return hex(crypto.getRandomValues(new Uint8Array(SEED_BYTES)));
}
