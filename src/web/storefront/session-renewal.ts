// When the storefront renews its buyer session ahead of the session's end
// (docs/storefront.md, "The human check"; docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md,
// docs/decisions/137-a-line-waited-in-a-background-tab.md).
// A person who opened the page early for a drop, or who stands in a long line, would otherwise
// meet the human check at the start or at their turn, seconds of a short admission; a script
// simply renews early. So while the session is live, in the last RENEW_AHEAD_MAX_MS of the
// session (at most half its lifetime, so a short session is not renewed in a loop), the page runs
// the human check again with the session's token: Turnstile's managed mode mostly passes without
// a click, and the session, its place in line and its holds go on.
// A page in view renews. A page out of view renews only while it holds a place in a line (a
// waiting or admitted ticket): that is the tab a person leaves in the background on purpose,
// and the turn is where the check costs them. It renews earlier (RENEW_AHEAD_IN_LINE_MAX_MS),
// in view or not, because a background tab's timers may wake once a minute. Any other hidden
// page waits until shown (renewing there would keep sessions alive for nobody).
// A renewal the server refused is tried again no sooner than RENEW_REFUSED_FLOOR_MS later
// (docs/decisions/149-the-eventual-read-and-a-refused-renewal.md).
// No DOM: test/unit/storefront-session-renewal.test.ts.

import { DEFAULT_SESSION_TTL_SECONDS } from "../../domain/bounds.ts";

/** How long before the session's end the page renews it, at most. */
export const RENEW_AHEAD_MAX_MS = 120_000;

/**
 * The same for a page holding a place in a line: Chrome wakes a page hidden for over five
 * minutes at most once a minute (its timers, so this page's clock and the widget's work), and
 * the widget may retry; five minutes leave room for a few such wake-ups before the end.
 */
export const RENEW_AHEAD_IN_LINE_MAX_MS = 300_000;

/**
 * How long before its end a session of `lifetimeSeconds` (the server's expiresInSeconds) is
 * renewed; `inLine`: the page holds a waiting or admitted ticket.
 */
export function renewAheadMs(lifetimeSeconds: number | undefined, inLine = false): number {
	const lifetime =
		typeof lifetimeSeconds === "number" && Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0
			? lifetimeSeconds
			: DEFAULT_SESSION_TTL_SECONDS;
	return Math.min(inLine ? RENEW_AHEAD_IN_LINE_MAX_MS : RENEW_AHEAD_MAX_MS, (lifetime * 1000) / 2);
}

/**
 * True while the page should renew: a live session (`endsAtMs` on this page's clock, still
 * ahead) within its renewal window, on a page in view or one that holds a place in a line
 * (`inLine`: a waiting or admitted ticket). Another page out of view waits: it renews once shown
 * if the session is still live, else the check comes back as for any ended session.
 */
export function renewalDue(
	endsAtMs: number | null,
	lifetimeSeconds: number | undefined,
	nowMs: number,
	visible: boolean,
	inLine = false,
): boolean {
	if (!(visible || inLine) || endsAtMs === null || endsAtMs <= nowMs) return false;
	return endsAtMs - nowMs <= renewAheadMs(lifetimeSeconds, inLine);
}

/**
 * The least time between two renewals the server refused (siteverify refused the token, the
 * request failed, or a 429 without a longer Retry-After). Each try is a new challenge, a
 * `POST /api/sessions` and a siteverify, and renewals are exempt from the new-session budget, so
 * nothing on the server slows a page that tries again at once — for the whole window, out of view
 * too while in line. 30 s gives at most ten tries in a line's five-minute window and four in the
 * two minutes in view; the session stays live meanwhile, and if every try fails the usual check
 * comes back at its end, as before.
 */
export const RENEW_REFUSED_FLOOR_MS = 30_000;

/** How long after a refused renewal the check is offered again: the answer's Retry-After, at least the floor. */
export function refusedRenewalRetryMs(retryAfterSeconds: number | null | undefined): number {
	const askedMs =
		typeof retryAfterSeconds === "number" && Number.isFinite(retryAfterSeconds)
			? retryAfterSeconds * 1000
			: 0;
	return Math.max(RENEW_REFUSED_FLOOR_MS, askedMs);
}
