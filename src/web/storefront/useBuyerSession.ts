// The storefront's buyer session, on this page's clock. It ends when the server's answer said
// (`expiresInSeconds` counted from its arrival, lib/session-clock.ts), not at `expiresAt` read
// by a browser clock that may be minutes off. An ended session is kept for its grace: its
// token still reads, pays and cancels the holds it took, which may outlive it, and the next
// human check renews it (`renewToken`), so its holds and waiting-room place stay this buyer's
// (docs/decisions/086-a-sessions-end-and-what-it-owns.md).

import { useCallback } from "preact/hooks";
import { SESSION_GRACE_SECONDS } from "../../shared/sessions.ts";
import type { Session } from "../api/client.ts";
import { sessionEndsAtMs } from "../lib/session-clock.ts";
import { type BuyerSession, isBuyerSession, SESSION_KEY, useStored } from "./stored.ts";

/**
 * `live`: the session while it lasts (reserve, the waiting room). `owner`: the same, or the
 * ended one within its grace (the hold's own actions, the renewal). `endsAtMs` on this page's
 * clock. `offsetMs` (server minus page) places an `expiresAt` kept without `endsAtMs`.
 */
export function useBuyerSession(nowMs: number, offsetMs: number) {
	const [owner, setStored] = useStored<BuyerSession | null>(SESSION_KEY, isBuyerSession, null);
	const endsAtMs =
		owner === null ? null : (owner.endsAtMs ?? Date.parse(owner.expiresAt) - offsetMs);
	// Past its grace it reaches nothing any more: forgotten.
	if (owner !== null && endsAtMs !== null && endsAtMs + SESSION_GRACE_SECONDS * 1000 <= nowMs)
		setStored(null);
	const live = owner !== null && endsAtMs !== null && endsAtMs > nowMs ? owner : null;
	/** Keeps a session the server just answered (its end counted from now), or forgets it. */
	const setSession = useCallback(
		(session: Session | null) =>
			setStored(
				session === null ? null : { ...session, endsAtMs: sessionEndsAtMs(session, Date.now()) },
			),
		[],
	);
	/**
	 * The server answered 401: a session the page took as live ends now (kept for its grace, so
	 * the next check still renews it); one already ended is past its grace on the server: forgotten.
	 */
	const lapse = useCallback(
		() =>
			setStored((s) =>
				s?.endsAtMs !== undefined && s.endsAtMs > Date.now()
					? { ...s, endsAtMs: Date.now() }
					: null,
			),
		[],
	);
	return { live, owner, endsAtMs, setSession, lapse };
}
