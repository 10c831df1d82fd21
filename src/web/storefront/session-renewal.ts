// When the storefront renews its buyer session ahead of the session's end
// (docs/storefront.md, "The human check"; docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
// A person who opened the page early for a drop, or who stands in a long line, would otherwise
// meet the human check at the start or at their turn, seconds of a short admission; a script
// simply renews early. So while the session is live and the page is in view, in the last
// RENEW_AHEAD_MAX_MS of the session (at most half its lifetime, so a short session is not renewed
// in a loop), the page runs the human check again with the session's token: Turnstile's managed
// mode mostly passes without a click, and the session, its place in line and its holds go on.
// No DOM: test/unit/storefront-session-renewal.test.ts.

import { DEFAULT_SESSION_TTL_SECONDS } from "../../domain/bounds.ts";

/** How long before the session's end the page renews it, at most. */
export const RENEW_AHEAD_MAX_MS = 120_000;

/** How long before its end a session of `lifetimeSeconds` (the server's expiresInSeconds) is renewed. */
export function renewAheadMs(lifetimeSeconds: number | undefined): number {
	const lifetime =
		typeof lifetimeSeconds === "number" && Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0
			? lifetimeSeconds
			: DEFAULT_SESSION_TTL_SECONDS;
	return Math.min(RENEW_AHEAD_MAX_MS, (lifetime * 1000) / 2);
}

/**
 * True while the page should renew: a live session (`endsAtMs` on this page's clock, still
 * ahead) within its renewal window, on a page in view. A page out of view waits: it renews once
 * shown if the session is still live, else the check comes back as for any ended session.
 */
export function renewalDue(
	endsAtMs: number | null,
	lifetimeSeconds: number | undefined,
	nowMs: number,
	visible: boolean,
): boolean {
	if (!visible || endsAtMs === null || endsAtMs <= nowMs) return false;
	return endsAtMs - nowMs <= renewAheadMs(lifetimeSeconds);
}
