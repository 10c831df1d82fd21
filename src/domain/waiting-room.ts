// The waiting room of one SKU (docs/waiting-room.md): tickets, a pre-queue
// before `startsAt`, a shuffle at the start drawn from a committed seed, FIFO
// after, admission by the units left. Pure like domain/inventory.ts: the clock,
// the seed and the ids come from the caller; every change is handed back as
// changed tickets and audit events for the caller to persist in one transaction.
//
// Admission rule (docs/api.md, "Waiting room"): the room admits from the front
// while the admitted sessions that have not reserved yet number at most
// floor(available × (1 + overbook)). An admission lasts admitSeconds. When no
// unit is available and no hold is left that could return, every waiting
// ticket turns sold_out.
//
// Its state and what it answers (tickets, counts, positions, the changes to drain) are the layer
// WaitingRoom extends, in domain/waiting-room-state.ts; this file holds every change of the room.
// Its records (settings, tickets, snapshot) are in domain/waiting-room-records.ts, the seed
// and the shuffle in domain/waiting-room-shuffle.ts, the order in domain/waiting-room-order.ts,
// its bounds and the ended tickets it keeps in domain/waiting-room-kept.ts, its admissions in
// domain/waiting-room-admissions.ts, the ETA estimator in domain/waiting-room-eta.ts.

import {
	DEFAULT_ROOM_LIMITS,
	MAX_FORGOTTEN_PER_TURN,
	type RoomLimits,
} from "./waiting-room-kept.ts";
import {
	ANONYMOUS_JOIN,
	admissionBudget,
	type JoinFrom,
	type JoinOutcome,
	type QueueTicket,
	type RoomSettings,
	type RoomSnapshot,
	type StockView,
	UNREAD_ADMIT_SECONDS,
} from "./waiting-room-records.ts";
import { commitmentOf } from "./waiting-room-shuffle.ts";
import { isEnded, WaitingRoomState } from "./waiting-room-state.ts";

export type { PendingLapse } from "./waiting-room-admissions.ts";
export { DEFAULT_ROOM_LIMITS, type RoomLimits, roomLimits } from "./waiting-room-kept.ts";
// The records are the room's vocabulary: its callers import them from here with the room.
export * from "./waiting-room-records.ts";

export class WaitingRoom extends WaitingRoomState {
	/** A new room: the seed stays secret, its commitment is published (a `queue.enabled` event). */
	static enable(
		settings: RoomSettings,
		seed: string,
		nowMs: number,
		limits: RoomLimits = DEFAULT_ROOM_LIMITS,
	): WaitingRoom {
		const room = new WaitingRoom(
			{
				settings,
				seed,
				seedCommitment: commitmentOf(seed),
				startedAtMs: null,
				nextSeq: 1,
				admittedTotal: 0,
				lapsed: 0,
				soldOutTickets: 0,
			},
			[],
			limits,
		);
		room.emit({
			type: "queue.enabled",
			atMs: nowMs,
			detail: { ...settings, seedCommitment: room.seedCommitment },
		});
		return room;
	}

	/**
	 * The room as stored: its snapshot and its ticket rows, the tickets made for it and kept by
	 * nobody else, so taken as they are, not copied (a load: inventory/waiting-room.ts).
	 */
	static fromRows(
		snapshot: RoomSnapshot,
		tickets: QueueTicket[],
		limits: RoomLimits = DEFAULT_ROOM_LIMITS,
	): WaitingRoom {
		return new WaitingRoom(snapshot, tickets, limits, true);
	}

	/** New settings (enabled, admitSeconds, overbook); the seed never changes. */
	configure(settings: RoomSettings, nowMs: number): void {
		this.settings = { ...settings };
		this.emit({ type: "queue.updated", atMs: nowMs, detail: { ...settings } });
	}

	/**
	 * The session's ticket, creating it when it has none (one per session). The
	 * room moves first (start, lapses, admissions), so a ticket taken at or after
	 * `startsAtMs` always queues behind the shuffled pre-queue. A session `atLimit` (it holds
	 * or bought the per-buyer limit) gets no new ticket: its admission would hold a place a
	 * buyer who can buy waits behind, then lapse unused. One it already has stays its own.
	 * `from`: the session's address and whether it had read the product. An address holding
	 * `from.perAddress` places gets no new ticket (`address_full`); an unread session gets none
	 * once unread tickets hold `limits.maxUnread` places (`unread_full`), so the rest of the room stays for
	 * sessions that read (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
	 */
	join(
		sessionId: string,
		ticketId: string,
		nowMs: number,
		startsAtMs: number | null,
		stock: StockView,
		atLimit = false,
		from: JoinFrom = ANONYMOUS_JOIN,
	): JoinOutcome {
		this.advance(nowMs, startsAtMs, stock);
		const existing = this.bySession.get(sessionId);
		if (existing !== undefined) return { ok: true, ticket: existing, created: false };
		if (atLimit) return { ok: false, code: "purchase_limit" };
		// Joins are what add tickets, so a join first forgets what is due: the kept ones stay bounded.
		this.forgetEnded(nowMs);
		const key = from.clientKey;
		if (
			key !== null &&
			from.perAddress > 0 &&
			this.places.ofAddress(key, from.formerKey) >= from.perAddress
		)
			return { ok: false, code: "address_full", perAddress: from.perAddress };
		if (this.counts().places >= this.limits.maxTickets) return { ok: false, code: "queue_full" };
		if (from.unread && this.places.unread >= (this.limits.maxUnread ?? this.limits.maxTickets))
			return { ok: false, code: "unread_full" };
		const started = this.startedAtMs !== null;
		const ticket: QueueTicket = {
			ticketId,
			sessionId,
			seq: this.nextSeq,
			joinedAtMs: nowMs,
			state: "waiting",
			rank: null,
			admittedAtMs: null,
			admittedUntilMs: null,
			usedAtMs: null,
			clientKey: key,
			unread: from.unread,
		};
		this.nextSeq += 1;
		this.tickets.set(ticketId, ticket);
		this.bySession.set(sessionId, ticket);
		this.waitingCount += 1;
		this.queue.add(ticket, started);
		this.places.add(ticket);
		this.changed(ticket);
		this.emit({
			type: "queue.ticket",
			atMs: nowMs,
			sessionId,
			detail: { ticketId, seq: ticket.seq, preQueue: !started },
		});
		this.advance(nowMs, startsAtMs, stock);
		return { ok: true, ticket, created: true };
	}

	/**
	 * The session read the product after joining unread: its waiting ticket counts as read from now
	 * on, so its admission will last `admitSeconds`, and its place leaves the unread share. The
	 * ticket when it changed, else null (no ticket, read already, or admitted: a read during a short
	 * admission does not lengthen it). Not a change the room drains: the caller keeps the row in
	 * step (docs/decisions/142-a-read-after-the-join.md).
	 */
	readSince(sessionId: string): QueueTicket | null {
		const t = this.bySession.get(sessionId);
		if (t === undefined || t.state !== "waiting" || t.unread !== true) return null;
		this.places.read(t);
		t.unread = false;
		return t;
	}

	/** The admitted session took a hold: its admission no longer counts against the budget. */
	markUsed(sessionId: string, nowMs: number): void {
		const t = this.bySession.get(sessionId);
		if (t !== undefined) this.admissions.markUsed(t, nowMs);
	}

	/** A shard recounted after a restart that the session held units at `heldAtMs`: a use if not older than the admission. */
	markHeldSince(sessionId: string, heldAtMs: number): void {
		const admittedAtMs = this.bySession.get(sessionId)?.admittedAtMs ?? null;
		if (admittedAtMs === null || heldAtMs < admittedAtMs) return;
		this.markUsed(sessionId, heldAtMs);
	}

	/**
	 * Moves the room to `nowMs`: the shuffle at the start, lapsed admissions,
	 * sold-out tickets, then admissions from the front while the budget allows.
	 * Idempotent; cheap when nothing is due. A disabled room stands still.
	 */
	advance(nowMs: number, startsAtMs: number | null, stock: StockView): void {
		if (!this.settings.enabled) return;
		if (this.startedAtMs === null && (startsAtMs === null || nowMs >= startsAtMs)) {
			this.start(nowMs);
		}
		this.admissions.endDue(nowMs);
		if (stock.available <= 0 && stock.returnable <= 0) {
			this.soldOut(nowMs);
			return;
		}
		// Not started, or its start moved ahead since: nothing can be bought, so no admission.
		if (this.startedAtMs === null || (startsAtMs !== null && nowMs < startsAtMs)) return;
		const budget = admissionBudget(stock.available, this.settings.overbook);
		// The first advance to see the total raised admits its burst: no pace of units coming back.
		const raised = this.lastTotal !== undefined && (stock.total ?? 0) > this.lastTotal;
		this.lastTotal = stock.total;
		while (this.admissions.unusedCount < budget) {
			const next = this.front();
			if (next === undefined) break;
			this.admit(next, nowMs, raised);
		}
	}

	/** The total the last advance saw (memory: a restart starts without one). */
	private lastTotal: number | undefined;

	/** The shard's word on a pending admission: the session's first hold within it, or null. */
	settleLapse(sessionId: string, heldAtMs: number | null, nowMs: number): void {
		this.admissions.settle(sessionId, heldAtMs, nowMs);
	}

	/** A new drop: every ticket is dropped and a new seed committed (`queue.reset`). */
	static reset(old: WaitingRoom, seed: string, nowMs: number): WaitingRoom {
		const room = WaitingRoom.enable(old.settings, seed, nowMs, old.limits);
		room.events = [
			{ type: "queue.reset", atMs: nowMs, detail: { tickets: old.tickets.size } },
			...room.events,
		];
		return room;
	}

	/** Forgets the ended tickets that are due (domain/waiting-room-kept.ts), a bounded number a turn. */
	private forgetEnded(nowMs: number): void {
		const { endedKeepMs, maxEnded } = this.limits;
		for (const t of this.ended.due(nowMs, endedKeepMs, maxEnded, MAX_FORGOTTEN_PER_TURN)) {
			this.admissions.forgetting(t, nowMs);
			this.tickets.delete(t.ticketId);
			if (this.bySession.get(t.sessionId) === t) this.bySession.delete(t.sessionId);
			this.changedTickets.delete(t);
			this.forgotten.push(t.ticketId);
		}
	}

	/**
	 * The shuffle. Its ranks are not written ticket by ticket: the snapshot records how many
	 * tickets it shuffled, and a load recomputes their ranks from the seed (domain/waiting-room-state.ts),
	 * so the start commits one row whatever the room's size
	 * (docs/decisions/100-a-room-start-writes-one-row.md). A ticket's row gets its rank when the
	 * ticket next changes (admitted, sold out).
	 */
	private start(nowMs: number): void {
		this.startedAtMs = nowMs;
		// Sold out before the start: kept for the shuffle until now, ended tickets from here on.
		const { shuffled, picked, recomputable } = this.queue.start(this.seed, isEnded);
		if (recomputable) this.shuffled = shuffled.length;
		// A pre-queue the seed alone cannot rank again (never in a room that starts once): rows written.
		else for (const t of shuffled) this.changed(t);
		for (const t of picked) this.ended.add(t);
		this.emit({
			type: "queue.started",
			atMs: nowMs,
			detail: {
				seed: this.seed,
				seedCommitment: this.seedCommitment,
				preQueue: shuffled.length,
				algorithm: "fisher-yates/sha256-counter (docs/waiting-room.md)",
			},
		});
	}

	/**
	 * Every waiting ticket turns sold_out. Their rows are not written one by one: the drain says
	 * every row still waiting turns (`waitingSoldOut`, one statement for the storage), since the
	 * room's waiting tickets are exactly them (docs/decisions/100-a-room-start-writes-one-row.md).
	 */
	private soldOut(nowMs: number): void {
		let turned = 0;
		for (const t of this.queue.takeWaiting()) {
			if (t.state !== "waiting") continue;
			t.state = "sold_out";
			this.places.release(t);
			if (t.rank !== null) this.ended.add(t);
			turned += 1;
		}
		if (turned === 0) return;
		this.waitingSoldOut = true;
		this.waitingCount -= turned;
		this.soldOutTickets += turned;
		this.emit({ type: "queue.sold_out", atMs: nowMs, detail: { tickets: turned } });
	}

	/**
	 * An admission lasts `admitSeconds`, or UNREAD_ADMIT_SECONDS when its session has not read the
	 * product (not at its join, not since): an idle script's ticket then holds its place in the
	 * budget for seconds, not for the whole turn a person gets
	 * (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
	 */
	private admit(t: QueueTicket, nowMs: number, burst = false): void {
		this.waitingCount -= 1;
		const unread = t.unread === true && this.hasReadNow?.(t.sessionId) !== true;
		const seconds = unread
			? Math.min(this.settings.admitSeconds, UNREAD_ADMIT_SECONDS)
			: this.settings.admitSeconds;
		this.admissions.admit(t, nowMs, seconds, burst);
	}

	private front(): QueueTicket | undefined {
		return this.queue.front();
	}
}
