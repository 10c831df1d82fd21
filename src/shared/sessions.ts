// Buyer sessions on the wire: POST /api/sessions answers one, the operator's
// POST /api/admin/sessions a batch (docs/api.md, "Load-test sessions").
// Shared by the Worker (src/worker/routes/admin-sessions.ts) and the drop
// simulator (cli/drop/setup.ts), which asks in batches of this size.

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
}

/**
 * Load-test sessions per request. Each is one KV write, and a Worker invocation
 * may make at most 1,000 KV operations (Cloudflare's Workers limits, paid plan):
 * a bigger batch would fail half-way in production. Callers ask again for more.
 */
export const MAX_SESSIONS_PER_REQUEST = 1_000;
