// The state of one SKU's waiting room (docs/waiting-room.md) and what it answers: its tickets by
// id and by session, the queue order, the ended tickets it keeps, the admissions, its counts and
// positions, and the changes waiting to be drained. Every change of the room (a join, the start,
// sold-out, admissions, forgetting) is in WaitingRoom (domain/waiting-room.ts), the layer that
// extends this one; the state is protected, reachable by that layer and no caller.

import type { DomainEvent } from "./inventory.ts";
import { Admissions, type PendingLapse } from "./waiting-room-admissions.ts";
import { DEFAULT_ROOM_LIMITS, EndedTickets, type RoomLimits } from "./waiting-room-kept.ts";
import { QueueOrder } from "./waiting-room-order.ts";
import { RoomPlaces } from "./waiting-room-places.ts";
import type { QueueTicket, RoomSettings, RoomSnapshot } from "./waiting-room-records.ts";
import { shuffledRanks } from "./waiting-room-shuffle.ts";

export abstract class WaitingRoomState {
	settings: RoomSettings;
	readonly seed: string;
	readonly seedCommitment: string;
	startedAtMs: number | null;
	soldOutTickets: number;
	protected nextSeq: number;
	/** How many tickets the start shuffled, when a load recomputes their ranks (RoomSnapshot.shuffled). */
	protected shuffled: number | undefined;
	protected readonly tickets = new Map<string, QueueTicket>();
	protected readonly bySession = new Map<string, QueueTicket>();
	/** The pre-queue, then the queue order from the start on. */
	protected readonly queue: QueueOrder;
	/** Ended tickets still kept, oldest first (forgotten at a join once due). */
	protected readonly ended = new EndedTickets();
	/** Ids of tickets forgotten since the last drain (their rows go). */
	protected forgotten: string[] = [];
	protected waitingCount = 0;
	/** Who is admitted, what the budget counts, when admissions end, used or lapsed. */
	readonly admissions: Admissions;
	/** The places each address holds, and those of unread tickets (domain/waiting-room-places.ts). */
	protected readonly places: RoomPlaces;
	/**
	 * Whether the session has read the product by now (the object's bot signals and stored reads):
	 * an unread ticket whose session read since its join is admitted for the whole `admitSeconds`.
	 * Null: only the ticket's own flag counts.
	 */
	hasReadNow: ((sessionId: string) => boolean) | null = null;
	protected changedTickets = new Set<QueueTicket>();
	/**
	 * Every waiting ticket turned sold_out since the last drain: their rows change by one
	 * statement, not one each (docs/decisions/100-a-room-start-writes-one-row.md).
	 */
	protected waitingSoldOut = false;
	protected events: DomainEvent[] = [];

	/**
	 * `tickets` are copied unless `owned` says they are the room's own from now on (made for it and
	 * kept by nobody else: the object's rows as a load reads them, WaitingRoom.fromRows).
	 */
	constructor(
		snapshot: RoomSnapshot,
		tickets: Iterable<QueueTicket> = [],
		readonly limits: RoomLimits = DEFAULT_ROOM_LIMITS,
		owned = false,
	) {
		this.settings = { ...snapshot.settings };
		this.seed = snapshot.seed;
		this.seedCommitment = snapshot.seedCommitment;
		this.startedAtMs = snapshot.startedAtMs;
		this.nextSeq = snapshot.nextSeq;
		this.soldOutTickets = snapshot.soldOutTickets;
		this.shuffled = snapshot.shuffled;
		const all = owned && Array.isArray(tickets) ? tickets : Array.from(tickets, (t) => ({ ...t }));
		if (this.startedAtMs !== null) rankShuffled(all, this.seed, this.shuffled);
		for (const t of all) {
			this.tickets.set(t.ticketId, t);
			this.bySession.set(t.sessionId, t);
			if (t.state === "waiting") this.waitingCount += 1;
			if (isEnded(t) && t.rank !== null) this.ended.add(t);
		}
		this.places = new RoomPlaces(all);
		this.admissions = new Admissions(snapshot, all, {
			changed: (t) => this.changed(t),
			emit: (e) => this.emit(e),
			ended: (t) => {
				this.ended.add(t);
				this.places.release(t);
			},
		});
		this.queue = new QueueOrder(all, this.startedAtMs !== null, this.nextSeq);
	}

	snapshot(): RoomSnapshot {
		return {
			settings: { ...this.settings },
			seed: this.seed,
			seedCommitment: this.seedCommitment,
			startedAtMs: this.startedAtMs,
			nextSeq: this.nextSeq,
			admittedTotal: this.admissions.admittedTotal,
			lapsed: this.admissions.lapsed,
			soldOutTickets: this.soldOutTickets,
			pendingLapses: this.admissions.pendingTicketIds(),
			...(this.shuffled === undefined ? {} : { shuffled: this.shuffled }),
		};
	}

	/** The seed, once the start has revealed it. */
	revealedSeed(): string | null {
		return this.startedAtMs === null ? null : this.seed;
	}

	/** Every session holding a ticket (the room's demand, for the fairness figures). */
	sessionIds(): IterableIterator<string> {
		return this.bySession.keys();
	}

	ticketOf(sessionId: string): QueueTicket | undefined {
		return this.bySession.get(sessionId);
	}

	/**
	 * `tickets`: the tickets the room keeps (ended ones too, until forgotten); `places`: those
	 * that take a place, which the room's bound counts (waiting or admitted, and every ticket of
	 * the pre-queue: the shuffle covers them all).
	 */
	counts(): { waiting: number; admitted: number; tickets: number; places: number } {
		const places =
			this.startedAtMs === null
				? this.queue.preQueueLength
				: this.waitingCount + this.admissions.admitted;
		return {
			waiting: this.waitingCount,
			admitted: this.admissions.admitted,
			tickets: this.tickets.size,
			places,
		};
	}

	/** Admitted sessions that have not reserved yet (what the budget counts). */
	unusedAdmissions(): number {
		return this.admissions.unusedCount;
	}

	/** Admitted in total, and lapsed unused (stats.queue). */
	get admittedTotal(): number {
		return this.admissions.admittedTotal;
	}

	get lapsed(): number {
		return this.admissions.lapsed;
	}

	/** True while the session's admission lasts (it may reserve). */
	isAdmitted(sessionId: string, nowMs: number): boolean {
		const t = this.bySession.get(sessionId);
		return (
			t !== undefined &&
			t.state === "admitted" &&
			t.admittedUntilMs !== null &&
			nowMs < t.admittedUntilMs
		);
	}

	/** Earliest moment the room must move by itself: the start, or an admission's end. */
	nextDeadlineMs(startsAtMs: number | null): number | null {
		if (!this.settings.enabled) return null;
		if (this.startedAtMs === null && startsAtMs !== null) return startsAtMs;
		return this.admissions.nextEndMs();
	}

	/** The ended admissions waiting for their shard's word (domain/waiting-room-admissions.ts). */
	pendingLapses(): PendingLapse[] {
		return this.admissions.pendingLapses();
	}

	/** 1 is next; null before the start and for a ticket that is not waiting. */
	position(ticket: QueueTicket): number | null {
		return this.queue.position(ticket);
	}

	/** Admissions in the last minute and the span they were counted over (domain/waiting-room-eta.ts). */
	admissionRate(nowMs: number): { admissions: number; windowMs: number } {
		return this.admissions.rate(nowMs, this.startedAtMs);
	}

	/** Something changed since the last drain (tickets or events to persist). */
	hasChanges(): boolean {
		return (
			this.changedTickets.size > 0 ||
			this.events.length > 0 ||
			this.forgotten.length > 0 ||
			this.waitingSoldOut
		);
	}

	/**
	 * Hands the caller what changed since the last drain, to persist in one transaction, in this
	 * order: forget `forgotten`, turn every row still `waiting` to `sold_out` when
	 * `waitingSoldOut`, then write `tickets` (each as it is now, over what the step before did).
	 */
	drain(): {
		tickets: QueueTicket[];
		events: DomainEvent[];
		forgotten: string[];
		waitingSoldOut: boolean;
	} {
		const out = {
			tickets: [...this.changedTickets],
			events: this.events,
			forgotten: this.forgotten,
			waitingSoldOut: this.waitingSoldOut,
		};
		this.changedTickets = new Set();
		this.events = [];
		this.forgotten = [];
		this.waitingSoldOut = false;
		return out;
	}

	protected changed(t: QueueTicket): void {
		this.changedTickets.add(t);
	}

	protected emit(event: DomainEvent): void {
		this.events.push(event);
	}
}

/**
 * A started room's tickets whose rows were written before the start (rank null): their ranks,
 * recomputed from the seed and the number of tickets the start shuffled (arrival numbers
 * 1..shuffled). The shuffle is run only when such a row is there.
 */
function rankShuffled(tickets: QueueTicket[], seed: string, shuffled: number | undefined): void {
	const unranked = tickets.filter((t) => t.rank === null);
	if (unranked.length === 0) return;
	if (shuffled === undefined)
		throw new Error(
			"waiting room: a started room has tickets without a rank and no shuffled count",
		);
	const ranks = shuffledRanks(shuffled, seed);
	for (const t of unranked) {
		if (t.seq < 1 || t.seq > shuffled)
			throw new Error(
				`waiting room: ticket ${t.ticketId} (seq ${t.seq}) is not in the shuffled pre-queue`,
			);
		t.rank = ranks[t.seq] as number;
	}
}

export function isEnded(t: QueueTicket): boolean {
	return t.state === "expired" || t.state === "sold_out";
}
