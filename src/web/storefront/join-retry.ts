// A join the server refused for now (the waiting room is full: 503 `unavailable` with
// Retry-After 30, docs/waiting-room.md; or any other "retry later" with a Retry-After): the page
// waits what the server asked, says so on the Join button, and joins once more by itself when the
// wait is over. Never sooner, so a full room is not clicked or polled into a storm; a little
// later, spread per page, so the buyers refused in the same second do not all come back in the
// same second (docs/decisions/094-a-slow-session-store.md). A room that stays full is not
// knocked on for as long as the tab stays open: after JOIN_RETRY_MAX_TRIES joins by itself, or
// once the next would come JOIN_RETRY_MAX_MS after the first refusal, the page stops and the
// buyer decides (docs/decisions/105-the-rooms-leftovers.md).

import type { ApiErr } from "../api/client.ts";

/** The share of the server's wait added at random, so refused pages come back spread out. */
export const JOIN_RETRY_SPREAD = 0.2;

/** Joins the page sends by itself after the buyer's click was refused for now. */
export const JOIN_RETRY_MAX_TRIES = 5;
/** How long after the first refusal the page may still join by itself. */
export const JOIN_RETRY_MAX_MS = 5 * 60_000;

/** A run of refusals since the buyer's click: when the first came, and the joins sent since. */
export interface JoinRetryRun {
	firstRefusedAtMs: number;
	tries: number;
}

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

/**
 * When (this device's clock) the page joins again by itself after a refusal at `nowMs` that asks
 * to wait `waitMs`, or null when the run is over: the bound reached, the buyer clicks again.
 */
export function nextJoinRetryAtMs(run: JoinRetryRun, nowMs: number, waitMs: number): number | null {
	if (run.tries >= JOIN_RETRY_MAX_TRIES) return null;
	const atMs = nowMs + waitMs;
	return atMs - run.firstRefusedAtMs > JOIN_RETRY_MAX_MS ? null : atMs;
}
