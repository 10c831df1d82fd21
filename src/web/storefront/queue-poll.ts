// When the waiting page asks for its ticket again (docs/waiting-room.md, "Position and
// ETA"): polling, never a fixed beat shared by every tab. The delay follows the ETA
// (a quarter of it, within bounds), backs off on failures, waits out the pre-queue until
// the start, and every delay is spread by ±JITTER so that thousands of tabs opened at
// the same moment do not ask at the same moment (no thundering herd). Pure: unit-tested.

import type { Ticket, TicketState } from "../../shared/types.ts";

export const QUEUE_POLL_MIN_MS = 2_000;
export const QUEUE_POLL_MAX_MS = 15_000;
/** Failures back off by doubling from the minimum up to this. */
export const QUEUE_POLL_ERROR_MAX_MS = 60_000;
/** Each delay is multiplied by a factor drawn in [1 − JITTER, 1 + JITTER]. */
export const QUEUE_POLL_JITTER = 0.25;
/**
 * After an admission's end the ticket is read once more, within this much, so the page
 * shows the server's final word (expired, or sold out) rather than only its own clock's.
 */
export const ADMISSION_END_READ_SPREAD_MS = 2_000;
/**
 * When the live feed comes back after a drop, the ticket is read once within this much
 * (a random part of it, as every tab reconnects at the same moment after a restart),
 * instead of waiting out the failure backoff the outage built up: that backoff can be
 * longer than a whole turn (QUEUE_POLL_ERROR_MAX_MS against admitSeconds from 10 s).
 */
export const RECONNECT_READ_SPREAD_MS = QUEUE_POLL_MIN_MS;
/**
 * After a product message (an operator's PATCH or reset) a page holding a ticket reads it once
 * within this much: a reset drops every ticket, and the next poll may be 15 s away.
 */
export const OPERATOR_NEWS_READ_SPREAD_MS = QUEUE_POLL_MIN_MS;

/**
 * The pre-queue's first reads after the start are spread for about this many reads a second: what
 * one Durable Object serves (Cloudflare's guidance, ~1,000 requests/s), so n tickets over n ms.
 */
export const PRE_QUEUE_READS_PER_SECOND = 1_000;
/**
 * At most this share of a turn goes to that spread: a ticket admitted at the start learns it
 * within a fifth of `admitSeconds` (2 s of a 10-s turn, 12 s of the default 60 s), never after the
 * turn is over (docs/decisions/190-the-pre-queue-learns-its-turn-in-time.md).
 */
export const PRE_QUEUE_SPREAD_TURN_SHARE = 0.2;
/**
 * The spread is at least this (within the turn's share): the page knows the pre-queue's size only
 * as of its last read of the product (its load, or an operator's change), so a page loaded early
 * sees fewer tickets than there are at the start; without a floor every such page would read at
 * the start itself.
 */
export const PRE_QUEUE_SPREAD_FLOOR_MS = 1_000;
/**
 * A pre-queue ticket read after the start (on the server's clock as this page sees it) that the
 * server still had in its pre-queue (the read came a moment early) is read again this soon, plus
 * the spread, not at the waiting line's pace.
 */
export const PRE_QUEUE_RECHECK_MS = 500;
/**
 * Past this long after the start the page's start is taken for out of date (the operator moved
 * it later and the page missed the news): a pre-queue ticket is then read at the waiting line's
 * pace again, not every PRE_QUEUE_RECHECK_MS until the product is read.
 */
export const PRE_QUEUE_LATE_MS = 10_000;

/**
 * How widely the pre-queue's first reads after the start are spread: as wide as its `waiting`
 * tickets (as of the page's last read of the product) need at PRE_QUEUE_READS_PER_SECOND, at
 * least PRE_QUEUE_SPREAD_FLOOR_MS, never wider than PRE_QUEUE_SPREAD_TURN_SHARE of a turn or
 * QUEUE_POLL_MAX_MS. Unknown figures (no room read yet) count as the widest.
 */
export function preQueueSpreadMs(waiting: number | null, admitSeconds: number | null): number {
	const byLoad =
		waiting === null
			? QUEUE_POLL_MAX_MS
			: Math.max(PRE_QUEUE_SPREAD_FLOOR_MS, (waiting * 1000) / PRE_QUEUE_READS_PER_SECOND);
	const byTurn =
		admitSeconds === null ? QUEUE_POLL_MAX_MS : admitSeconds * 1000 * PRE_QUEUE_SPREAD_TURN_SHARE;
	return Math.min(QUEUE_POLL_MAX_MS, byLoad, byTurn);
}

/**
 * The next poll's delay in ms, or null when the ticket will not change by itself
 * (sold_out and expired are final). An admitted ticket is read once more just after its
 * admittedUntil (when `serverNowMs`, the server's clock as this page sees it, is given):
 * the turn lapses then, and nothing else would tell the page.
 * `random` is in [0, 1); `startsInMs` is the time left before the drop opens; `preQueueSpread`
 * how widely a pre-queue ticket's first read after it is spread (preQueueSpreadMs).
 */
export function nextQueuePollMs(
	ticket: Ticket | null,
	failures: number,
	startsInMs: number | null,
	random: number,
	serverNowMs?: number,
	preQueueSpread: number = QUEUE_POLL_MAX_MS,
): number | null {
	const jitter = 1 - QUEUE_POLL_JITTER + 2 * QUEUE_POLL_JITTER * random;
	if (failures > 0) {
		return Math.round(
			Math.min(QUEUE_POLL_ERROR_MAX_MS, QUEUE_POLL_MIN_MS * 2 ** Math.min(failures, 10)) * jitter,
		);
	}
	if (ticket?.state === "admitted") {
		if (ticket.admittedUntil === null || serverNowMs === undefined) return null;
		const endsInMs = Date.parse(ticket.admittedUntil) - serverNowMs;
		// Already past (a read that still said admitted): ask again after the spread, not in a loop.
		return Math.round(Math.max(0, endsInMs) + (0.5 + random) * ADMISSION_END_READ_SPREAD_MS);
	}
	if (ticket === null || ticket.state !== "waiting") return null;
	if (ticket.position === null) {
		// The pre-queue: nothing moves before the start; after it, the first reads are spread so
		// the whole pre-queue does not ask in the same second, and within a share of the turn so a
		// ticket admitted at the start is not told after its turn (preQueueSpreadMs).
		const spread = Math.max(0, Math.min(preQueueSpread, QUEUE_POLL_MAX_MS));
		if (startsInMs !== null && startsInMs > 0) return Math.round(startsInMs + random * spread);
		// The page's start is out of date (moved later, the news missed): the line's own pace.
		if (startsInMs === null || startsInMs < -PRE_QUEUE_LATE_MS)
			return Math.round(QUEUE_POLL_MIN_MS + random * QUEUE_POLL_MAX_MS);
		return Math.round(PRE_QUEUE_RECHECK_MS + random * spread);
	}
	const base =
		ticket.etaSeconds === null
			? QUEUE_POLL_MAX_MS
			: Math.min(QUEUE_POLL_MAX_MS, Math.max(QUEUE_POLL_MIN_MS, (ticket.etaSeconds * 1000) / 4));
	return Math.round(base * jitter);
}

/**
 * The ticket's state as the page shows it: an admission whose admittedUntil has passed
 * (on the server's clock as this page sees it) has lapsed, whether or not the server has
 * been asked since; the page must not keep offering a turn that is over.
 */
export function shownTicketState(ticket: Ticket | null, serverNowMs: number): TicketState | null {
	if (ticket === null) return null;
	if (
		ticket.state === "admitted" &&
		ticket.admittedUntil !== null &&
		Date.parse(ticket.admittedUntil) <= serverNowMs
	)
		return "expired";
	return ticket.state;
}

/**
 * What the waiting card shows: the ticket as shown, or "sold_out" once nothing can come
 * back (unless the turn is running: the buyer may still reserve a unit that returns).
 */
export function waitingCardState(
	ticket: Ticket | null,
	soldOut: boolean,
	serverNowMs: number,
): TicketState | null {
	const shown = shownTicketState(ticket, serverNowMs);
	return soldOut && shown !== "admitted" ? "sold_out" : shown;
}

/** Expired and sold out do not change by themselves: the waiting card's last word. */
export const isFinalTicketState = (state: TicketState | null): boolean =>
	state === "expired" || state === "sold_out";

/** The ETA in words: one figure when the estimator is sure, its band when it is not. */
export function etaText(ticket: Ticket): string | null {
	if (ticket.etaSeconds === null) return null;
	const range = ticket.etaRangeSeconds;
	if (range !== null && range.high > 1.5 * Math.max(1, range.low)) {
		return `about ${duration(range.low)} to ${duration(range.high)}`;
	}
	return `about ${duration(ticket.etaSeconds)}`;
}

function duration(seconds: number): string {
	if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
	const minutes = Math.round(seconds / 60);
	return minutes === 1 ? "1 min" : `${minutes} min`;
}
