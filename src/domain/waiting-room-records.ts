// The records of one SKU's waiting room (domain/waiting-room.ts): its settings and their bounds,
// a ticket, the snapshot the room is rebuilt from, what it needs to know of the stock, and the
// admission budget (docs/api.md, "Waiting room"). Plain data, shared by the room, its storage
// (inventory/waiting-room.ts) and the edge's answers.

export const MIN_ADMIT_SECONDS = 10;
export const MAX_ADMIT_SECONDS = 600;
export const DEFAULT_ADMIT_SECONDS = 60;
export const MAX_OVERBOOK = 1;
export const DEFAULT_OVERBOOK = 0.1;
/** Tickets one SKU's room keeps; a join past it is refused (every ticket lives in the object's memory). */
export const MAX_TICKETS = 50_000;
/**
 * Of MAX_TICKETS, the places a ticket whose session had not read the product may take: the rest
 * stay for sessions that read it, so a farm of unread tickets cannot fill the line before the
 * start (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
 */
export const MAX_UNREAD_TICKETS = 40_000;
/**
 * How long an admission lasts when its session has not read the product (at its join nor
 * since): an idle ticket holds a place in the admission budget this long, not `admitSeconds`.
 */
export const UNREAD_ADMIT_SECONDS = 10;

export type TicketState = "waiting" | "admitted" | "sold_out" | "expired";

export interface RoomSettings {
	enabled: boolean;
	admitSeconds: number;
	overbook: number;
}

export interface QueueTicket {
	ticketId: string;
	sessionId: string;
	/** Arrival order, 1-based: the pre-queue is shuffled from this order. */
	seq: number;
	joinedAtMs: number;
	state: TicketState;
	/** 0-based place in the queue order; null while in the pre-queue. */
	rank: number | null;
	admittedAtMs: number | null;
	admittedUntilMs: number | null;
	/** When the admitted session first took a hold: it no longer counts against the room's budget. */
	usedAtMs: number | null;
	/**
	 * The joining session's network address as the per-address cap counts it (the session's
	 * ipHash); null or absent: not counted (limits off, an operator's load-test session, a row
	 * written before the cap).
	 */
	clientKey?: string | null;
	/** The session had not read the product when it joined (judged only with the bot signals on). */
	unread?: boolean;
}

/** Who joins, as the per-address cap and the unread share see it (WaitingRoom.join). */
export interface JoinFrom {
	clientKey: string | null;
	/**
	 * The same address's hash under the day before's key: tickets taken before midnight UTC carry
	 * it, and count with today's against the cap (docs/decisions/160-per-address-limits-across-midnight.md).
	 * Never stored. Absent: none (a caller from before, a test).
	 */
	formerKey?: string | null;
	unread: boolean;
	/** Tickets that take a place this address may hold in the room; 0: no cap. */
	perAddress: number;
}

export const ANONYMOUS_JOIN: JoinFrom = { clientKey: null, unread: false, perAddress: 0 };

export interface RoomSnapshot {
	settings: RoomSettings;
	/** Secret until the start; its SHA-256 is published from the moment the room is enabled. */
	seed: string;
	seedCommitment: string;
	startedAtMs: number | null;
	nextSeq: number;
	admittedTotal: number;
	lapsed: number;
	soldOutTickets: number;
	/**
	 * Tickets whose admission ended with no use known, waiting for their shard's word before they
	 * are called lapsed (domain/waiting-room-admissions.ts); absent in rooms written before it.
	 */
	pendingLapses?: string[];
	/**
	 * How many tickets the start shuffled: the pre-queue is exactly the arrival numbers
	 * 1..shuffled, so their ranks are recomputed from the seed when the room is loaded, and the
	 * start writes none of their rows (docs/decisions/100-a-room-start-writes-one-row.md). Set from
	 * the start on; absent before it and in rooms started before it (their rows carry their ranks).
	 */
	shuffled?: number;
}

/**
 * What the room needs to know of the stock: units free now, units held that could come back, and
 * the SKU's total when known (a rise is an operator's raise: its admissions are no pace, ETA).
 */
export interface StockView {
	available: number;
	returnable: number;
	total?: number;
}

export type JoinOutcome =
	| { ok: true; ticket: QueueTicket; created: boolean }
	/**
	 * `purchase_limit`: a new ticket for a session that already holds or bought the per-buyer limit.
	 * `unread_full`: an unread session's join while unread tickets hold their whole share.
	 */
	| { ok: false; code: "queue_full" | "unread_full" | "purchase_limit" }
	/** `address_full`: the session's address already holds `perAddress` places in this room. */
	| { ok: false; code: "address_full"; perAddress: number };

/** At most this many admitted sessions may be waiting to reserve (docs/api.md, "Waiting room"). */
export function admissionBudget(available: number, overbook: number): number {
	return Math.max(0, Math.floor(available * (1 + overbook) + 1e-9));
}
