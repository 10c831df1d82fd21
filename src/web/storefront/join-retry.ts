// A join the server refused for now (the waiting room is full: 503 `unavailable` with
// Retry-After 30, docs/waiting-room.md; or any other "retry later" with a Retry-After): the page
// waits what the server asked, says so on the Join button, and joins once more by itself when the
// wait is over. Never sooner, so a full room is not clicked or polled into a storm; a little
// later, spread per page, so the buyers refused in the same second do not all come back in the
// same second (docs/decisions/094-a-slow-session-store.md).

import type { ApiErr } from "../api/client.ts";

/** The share of the server's wait added at random, so refused pages come back spread out. */
export const JOIN_RETRY_SPREAD = 0.2;

/**
 * Milliseconds to wait before joining again after `err`, or null when the refusal is not a "retry
 * later" with a wait (the page then says what went wrong and the buyer decides).
 * `random` is in [0, 1).
 */
export function joinRetryDelayMs(err: ApiErr, random: number): number | null {
	if (err.code !== "unavailable" && err.code !== "rate_limited") return null;
	if (err.retryAfterSeconds === null) return null;
	return Math.ceil(err.retryAfterSeconds * 1000 * (1 + JOIN_RETRY_SPREAD * random));
}
