// Buyer sessions on the wire: POST /api/sessions answers one, the operator's
// POST /api/admin/sessions a batch (docs/api.md, "Load-test sessions").
// Shared by the Worker (src/worker/routes/admin-sessions.ts) and the drop
// simulator (cli/drop/setup.ts), which asks in batches of this size.

import { MAX_HOLD_SECONDS } from "../domain/bounds.ts";

export interface IssuedSession {
	sessionId: string;
	/** Bearer token; the server keeps only its hash. */
	token: string;
	expiresAt: string;
	/**
	 * Seconds the session has left when the server answered, rounded up: a page counts it on its
	 * own clock, whatever that clock says (an extension; docs/api.md, "Sessions").
	 */
	expiresInSeconds: number;
	/**
	 * When the server issued this token (an extension): a renewal's is later than the token it
	 * replaced, whatever SESSION_TTL_SECONDS did between them, so the session's tabs judge which
	 * token is newer by it (docs/decisions/179-review-33s-findings.md).
	 */
	issuedAt: string;
	/**
	 * Present when the request asked to renew a session (`renewToken`): true when this is that
	 * session again (the same `sessionId`, with what it owns), false when it could not be
	 * renewed and this is a new one (docs/decisions/086-a-sessions-end-and-what-it-owns.md).
	 */
	renewed?: boolean;
}

/**
 * How long after its `expiresAt` a session's token still reaches what the session owns (read,
 * pay and cancel its holds, read its orders) and may be renewed: the longest hold a product can
 * have, so a hold granted in the session's last second ends before its owner's rights do. The
 * session's KV record is kept this much longer than the session itself
 * (docs/decisions/086-a-sessions-end-and-what-it-owns.md).
 */
export const SESSION_GRACE_SECONDS = MAX_HOLD_SECONDS;

/**
 * How long a token still works after a renewal replaced it (POST /api/sessions `renewToken`): long
 * enough for the requests already in flight, and for the session's other tabs to take the new token
 * (src/web/storefront/session-share.ts); it never renews again, even within this time
 * (docs/decisions/166-a-renewed-sessions-old-token-ends.md).
 */
export const REPLACED_TOKEN_GRACE_SECONDS = 60;

/**
 * How long KV keeps a replaced token's record from the renewal: its grace, then five minutes in
 * which every isolate refuses it as replaced ("use the newer token") rather than as an unknown
 * token. A record kept only as long as the grace was gone when that answer began, so the answer
 * was seen at most once (docs/decisions/173-review-31s-findings.md). Never renewable, and refused
 * after the grace whatever its KV life, so the longer record lets the token do nothing more.
 */
export const REPLACED_TOKEN_RECORD_SECONDS = REPLACED_TOKEN_GRACE_SECONDS + 5 * 60;

/**
 * Load-test sessions per request. Each is one KV write, and a Worker invocation
 * may make at most 1,000 KV operations (Cloudflare's Workers limits, paid plan):
 * a bigger batch would fail half-way in production. Callers ask again for more.
 */
export const MAX_SESSIONS_PER_REQUEST = 1_000;
