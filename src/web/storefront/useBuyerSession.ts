// The storefront's buyer session, on this page's clock. It ends when the server's answer said
// (`expiresInSeconds` counted from its arrival, lib/session-clock.ts), not at `expiresAt` read
// by a browser clock that may be minutes off. An ended session is kept for its grace: its
// token still reads, pays and cancels the holds it took, which may outlive it, and the next
// human check renews it (`renewToken`), so its holds and waiting-room place stay this buyer's
// (docs/decisions/086-a-sessions-end-and-what-it-owns.md). A renewal replaces the token it
// renews, so the session's other tabs take the new one from this tab (session-share.ts,
// docs/decisions/166-a-renewed-sessions-old-token-ends.md).

import { useCallback, useEffect, useRef } from "preact/hooks";
import { SESSION_GRACE_SECONDS } from "../../shared/sessions.ts";
import type { Session } from "../api/client.ts";
import { sessionEndsAtMs } from "../lib/session-clock.ts";
import {
	asked,
	asksFor,
	lapsed,
	newerToken,
	RENEWED_ELSEWHERE_WAIT_MS,
	SESSION_SHARE_CHANNEL,
	told,
} from "./session-share.ts";
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
	const share = useSessionShare(owner, setStored);
	/**
	 * Keeps a session the server just answered (its end counted from now), or forgets it. A
	 * renewal is told to the session's other tabs. One answered `renewed: false` (`renewedFrom`:
	 * the token it named) means another tab renewed this session first: if this tab took that
	 * tab's newer token meanwhile, the new session is not wanted; otherwise the tab asks for it
	 * and waits a moment, and takes the new session only if no answer comes.
	 */
	const setSession = useCallback((session: Session | null, renewedFrom: string | null = null) => {
		share.cancelWait();
		if (session === null) return setStored(null);
		const next: BuyerSession = { ...session, endsAtMs: sessionEndsAtMs(session, Date.now()) };
		if (session.renewed === false) {
			if (share.tookNewerThan(renewedFrom)) return;
			if (share.waitForNewer(() => setStored(next))) return;
		}
		setStored(next);
		if (session.renewed === true) share.tell(next);
	}, []);
	/**
	 * The server answered 401 to a request that carried `refused` (ApiErr.refusedToken): the
	 * session ends in the page if that is still its token (session-share.ts `lapsed`). Another tab
	 * may have renewed it: it is asked for the newer token. `sentWhileLive`: the request went out
	 * while the page took the session as live (session-share.ts lapsed).
	 */
	const lapse = useCallback((refused?: string, sentWhileLive = false) => {
		share.ask();
		setStored((s) => lapsed(s, refused, Date.now(), sentWhileLive));
	}, []);
	return { live, owner, endsAtMs, setSession, lapse };
}

/** This tab's end of the channel of session-share.ts; stable for the page's life. */
function useSessionShare(
	owner: BuyerSession | null,
	setStored: (session: BuyerSession | null) => void,
) {
	const channel = useRef<BroadcastChannel | null>(null);
	const mine = useRef(owner);
	mine.current = owner;
	/** The last session this tab held, still asked about after a 401 made it forget it. */
	const known = useRef(owner);
	if (owner !== null) known.current = owner;
	const waiting = useRef<{ sessionId: string; timer: ReturnType<typeof setTimeout> } | null>(null);

	const api = useRef({
		tell(session: BuyerSession) {
			channel.current?.postMessage(told(session));
		},
		ask() {
			const s = mine.current ?? known.current;
			if (s !== null) channel.current?.postMessage(asked(s.sessionId));
		},
		/** Whether this tab holds a session whose token is no longer `token` (another tab's newer one). */
		tookNewerThan(token: string | null): boolean {
			return token !== null && mine.current !== null && mine.current.token !== token;
		},
		cancelWait() {
			if (waiting.current !== null) clearTimeout(waiting.current.timer);
			waiting.current = null;
		},
		/** Asks for a newer token of this tab's session; `otherwise` runs if none comes in time. */
		waitForNewer(otherwise: () => void): boolean {
			const s = mine.current;
			if (channel.current === null || s === null) return false;
			const timer = setTimeout(() => {
				waiting.current = null;
				otherwise();
			}, RENEWED_ELSEWHERE_WAIT_MS);
			waiting.current = { sessionId: s.sessionId, timer };
			channel.current.postMessage(asked(s.sessionId));
			return true;
		},
	}).current;

	useEffect(() => {
		// Where the browser has no channel each tab keeps its own token, and meets the check when
		// another tab's renewal replaced it.
		if (typeof BroadcastChannel !== "function") return;
		const ch = new BroadcastChannel(SESSION_SHARE_CHANNEL);
		channel.current = ch;
		ch.onmessage = (event) => {
			const current = mine.current;
			const newer = newerToken(event.data, current ?? known.current);
			// Taken for this tab's session only: not once the tab went on with another one.
			if (newer !== null && (current === null || current.sessionId === newer.sessionId)) {
				api.cancelWait();
				mine.current = newer;
				setStored(newer);
				return;
			}
			if (current !== null && asksFor(event.data, current)) ch.postMessage(told(current));
		};
		// Opened (a duplicate, a reload) or back into view: another tab may have renewed meanwhile.
		api.ask();
		const shown = () => {
			if (document.visibilityState === "visible") api.ask();
		};
		document.addEventListener("visibilitychange", shown);
		return () => {
			document.removeEventListener("visibilitychange", shown);
			api.cancelWait();
			channel.current = null;
			ch.close();
		};
	}, []);
	return api;
}
