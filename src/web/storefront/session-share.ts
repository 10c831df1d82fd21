// The newest token of a buyer session, passed between the tabs that share it. A renewal replaces
// the token it renews: the old one never renews again and reaches nothing a minute later
// (docs/decisions/166-a-renewed-sessions-old-token-ends.md). Tabs of one session are duplicates of
// each other (a copy of sessionStorage, tab-news.ts), so a tab that renews tells the others the
// new token on this channel (same origin, in the browser, no request), and a tab that may have
// missed it (just opened, back into view, or met a 401) asks; a tab that has a newer token of the
// same session answers. A renewal answered `renewed: false` (another tab renewed first, so this
// tab's token no longer renews) waits a moment for that tab's word before it takes the new
// session, so the tab keeps its hold and place in line. Pure (the channel is opened in
// useBuyerSession.ts), unit-tested in Node: test/unit/storefront-session-share.test.ts.

/**
 * A session as a tab keeps it (stored.ts BuyerSession has this shape; declared here so that this
 * module imports nothing of the page and its tests type-check with the Worker's).
 */
export interface BuyerSession {
	sessionId: string;
	token: string;
	expiresAt: string;
	/** When the server issued the token; absent when kept by an older page or told by an older server. */
	issuedAt?: string;
	/** This machine's clock (epoch ms) at which the session ends. */
	endsAtMs?: number;
}

function isBuyerSession(v: unknown): v is BuyerSession {
	if (typeof v !== "object" || v === null) return false;
	const o = v as Record<string, unknown>;
	return (
		typeof o.token === "string" &&
		typeof o.sessionId === "string" &&
		typeof o.expiresAt === "string" &&
		(o.issuedAt === undefined || typeof o.issuedAt === "string") &&
		(o.endsAtMs === undefined || typeof o.endsAtMs === "number")
	);
}

/** The channel's name (one per origin: every storefront tab of this browser profile hears it). */
export const SESSION_SHARE_CHANNEL = "rg.buyer.session";

/** How long a tab whose renewal came back `renewed: false` waits for another tab's newer token. */
export const RENEWED_ELSEWHERE_WAIT_MS = 1_500;

/** "This is the session's newest token": sent after a renewal and in answer to an ask. */
export interface SessionTold {
	kind: "session";
	session: BuyerSession;
}
/** "Has any tab a newer token of this session?" */
export interface SessionAsked {
	kind: "ask";
	sessionId: string;
}

export const told = (session: BuyerSession): SessionTold => ({ kind: "session", session });
export const asked = (sessionId: string): SessionAsked => ({ kind: "ask", sessionId });

/**
 * The session another tab told, when it is `mine` with a newer token (the same `sessionId`, another
 * token, issued later); null otherwise. Newer is the server's word: its `issuedAt`, later for each
 * renewal than for the token it replaced (docs/decisions/179-review-33s-findings.md). Its
 * `expiresAt` when either token lacks one (an older page or server): later too, unless
 * SESSION_TTL_SECONDS was lowered between them. Not the page's `endsAtMs`, which a 401 sets to that
 * moment (`lapsed`): a lapsed tab would then take any token of its session, a replaced one too.
 */
export function newerToken(heard: unknown, mine: BuyerSession | null): BuyerSession | null {
	if (mine === null || typeof heard !== "object" || heard === null) return null;
	const m = heard as Record<string, unknown>;
	if (m.kind !== "session" || !isBuyerSession(m.session)) return null;
	const theirs = m.session;
	if (theirs.sessionId !== mine.sessionId || theirs.token === mine.token) return null;
	if (theirs.endsAtMs === undefined) return null;
	const theirIssue = Date.parse(theirs.issuedAt ?? "");
	const myIssue = Date.parse(mine.issuedAt ?? "");
	if (Number.isFinite(theirIssue) && Number.isFinite(myIssue) && theirIssue !== myIssue)
		return theirIssue > myIssue ? theirs : null;
	const theirEnd = Date.parse(theirs.expiresAt);
	const myEnd = Date.parse(mine.expiresAt);
	if (!Number.isFinite(theirEnd)) return null;
	return !Number.isFinite(myEnd) || theirEnd > myEnd ? theirs : null;
}

/**
 * The session a tab keeps after the server answered 401 to a request that carried `refused` (the
 * token it sent; undefined when the answer cannot say): unchanged when the tab holds another token
 * by now (it took a newer one while the request was out); otherwise a session the page took as live
 * ends now (kept for its grace, so the next check still renews it), and one already ended is past
 * its grace on the server: forgotten — unless the request went out while the page still took the
 * session as live (`sentWhileLive`: a waiting room's poll): its 401 is the end the page has shown
 * since, and the session stays for its grace. A poll answered a moment after the page's end made
 * the page forget the session, and the next check gave a new one, its place in line lost.
 */
export function lapsed(
	stored: BuyerSession | null,
	refused: string | undefined,
	nowMs: number,
	sentWhileLive = false,
): BuyerSession | null {
	if (stored === null) return null;
	if (refused !== undefined && refused !== stored.token) return stored;
	if (stored.endsAtMs !== undefined && stored.endsAtMs > nowMs)
		return { ...stored, endsAtMs: nowMs };
	return sentWhileLive && stored.endsAtMs !== undefined ? stored : null;
}

/** Whether `heard` asks for the session this tab holds (then it answers with its own). */
export function asksFor(heard: unknown, mine: BuyerSession | null): boolean {
	if (mine === null || typeof heard !== "object" || heard === null) return false;
	const m = heard as Record<string, unknown>;
	return m.kind === "ask" && m.sessionId === mine.sessionId;
}
