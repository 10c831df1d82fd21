// What a waiting room keeps (docs/decisions/090-room-tickets-and-ends-while-down.md): its bounds, and
// the ended tickets it still keeps. An `expired` or `sold_out` ticket takes no place in the queue and never changes again; the room
// keeps it only so that its session, asking again, is answered with it (one ticket per session)
// and a shard's late word on its admission can still be counted. After ENDED_TICKET_KEEP_MS (or
// once more than MAX_ENDED_TICKETS are kept, the oldest first) the room forgets it; the audit trail
// in D1 keeps its record (`queue.ticket`, `queue.admitted`, `queue.lapsed`, `queue.sold_out`),
// which is all `npm run verify-queue` reads. Pure, like domain/waiting-room.ts.

import { DEFAULT_SESSION_TTL_SECONDS, MAX_HOLD_SECONDS } from "./bounds.ts";
import { MinHeap } from "./heap.ts";
import {
	MAX_ADMIT_SECONDS,
	MAX_TICKETS,
	MAX_UNREAD_TICKETS,
	type QueueTicket,
} from "./waiting-room-records.ts";

/**
 * How long an ended ticket is kept by default: a buyer's session (SESSION_TTL_SECONDS; the object
 * passes the configured one, inventory/waiting-room.ts) and the grace in which it may still be
 * renewed (SESSION_GRACE_SECONDS of src/shared/sessions.ts, the longest hold), or two of the
 * longest admissions, whichever is longer. So the session that took the ticket is answered with it
 * through its lifetime and its grace (docs/decisions/086-a-sessions-end-and-what-it-owns.md); one
 * renewed again past that is answered as a newcomer, as a new session would be. The two admissions
 * cover a shard's recount after a restart (holds within MAX_ADMIT_SECONDS), which may still count
 * the admission as used.
 */
export const ENDED_TICKET_KEEP_MS = keepMs(DEFAULT_SESSION_TTL_SECONDS);
/** Ended tickets kept at most (the oldest forgotten first): a sold-out drop's joins end at once. */
export const MAX_ENDED_TICKETS = 50_000;
/** Ended tickets forgotten in one decision at most: a bounded write in the turn of a join. */
export const MAX_FORGOTTEN_PER_TURN = 1000;

/** The room's bounds (docs/decisions/090-room-tickets-and-ends-while-down.md); tests pass smaller ones. */
export interface RoomLimits {
	/** Tickets that take a place (waiting, admitted, or in the pre-queue): past it a join is refused. */
	maxTickets: number;
	/** Of those, the places tickets of sessions that had not read the product may take (absent: all). */
	maxUnread?: number;
	/** Ended tickets kept at most, and for how long (domain/waiting-room-kept.ts). */
	maxEnded: number;
	endedKeepMs: number;
}

export const DEFAULT_ROOM_LIMITS: RoomLimits = {
	maxTickets: MAX_TICKETS,
	maxUnread: MAX_UNREAD_TICKETS,
	maxEnded: MAX_ENDED_TICKETS,
	endedKeepMs: ENDED_TICKET_KEEP_MS,
};

/** The bounds with ended tickets kept as long as a session of `sessionTtlSeconds` and its grace (or two longest admissions). */
export function roomLimits(sessionTtlSeconds: number): RoomLimits {
	return { ...DEFAULT_ROOM_LIMITS, endedKeepMs: keepMs(sessionTtlSeconds) };
}

function keepMs(sessionTtlSeconds: number): number {
	return Math.max(sessionTtlSeconds + MAX_HOLD_SECONDS, 2 * MAX_ADMIT_SECONDS) * 1000;
}

/** When a ticket ended, for keeping it: its admission's end, or (sold out) when its session joined. */
export function endedAtMs(t: QueueTicket): number {
	return t.state === "expired" && t.admittedUntilMs !== null ? t.admittedUntilMs : t.joinedAtMs;
}

export class EndedTickets {
	private readonly heap = new MinHeap<QueueTicket>();

	get size(): number {
		return this.heap.size;
	}

	/** A ticket that ended (and has a rank: a pre-queue ticket waits for the shuffle, which covers it). */
	add(t: QueueTicket): void {
		this.heap.push(endedAtMs(t), t);
	}

	/**
	 * The tickets to forget at `nowMs`: ended `keepMs` ago or more, or past `maxKept`, oldest
	 * first, at most `limit`.
	 */
	due(nowMs: number, keepMs: number, maxKept: number, limit: number): QueueTicket[] {
		const out: QueueTicket[] = [];
		while (out.length < limit) {
			const at = this.heap.peekKey();
			if (at === undefined) break;
			if (at + keepMs > nowMs && this.heap.size <= maxKept) break;
			out.push(this.heap.pop() as QueueTicket);
		}
		return out;
	}
}
