// Minting buyer sessions: the one place sessions are made, for POST /api/sessions
// (routes/sessions.ts) and the operator's load-test sessions (routes/admin-sessions.ts).

import type { Config } from "../shared/config.ts";
import { sha256Hex } from "../shared/digest.ts";
import type { IssuedSession } from "../shared/sessions.ts";
import type { Env } from "./env.ts";
import { newSessionId, newToken } from "./ids.ts";
import { rememberSession, type Session, sessionKey } from "./middleware/auth.ts";
import { ipHash } from "./secrets.ts";

/** Hex characters of the IP hash a session keeps: 64 bits tell sessions apart, no more is needed. */
const SESSION_IP_HASH_HEX = 16;
/** KV refuses expirationTtl below 60 s; shorter sessions still end on time via expiresAt. */
const KV_MIN_TTL_SECONDS = 60;

/**
 * Mints one buyer session and stores it in KV: the one place sessions are made,
 * for POST /api/sessions and the operator's load-test sessions
 * (routes/admin-sessions.ts) alike, so both have the same shape and TTL.
 */
export async function mintSession(
	env: Env,
	config: Config,
	clientIp: string,
): Promise<{ session: Session; issued: IssuedSession }> {
	const ttlSeconds = config.sessionTtlSeconds;
	const now = Date.now();
	const token = newToken();
	const session: Session = {
		sessionId: newSessionId(),
		// Keyed and rotated daily (secrets.ts): comparable with other sessions of the same UTC day only.
		ipHash: (await ipHash(config.ipHashSecret, clientIp, now)).slice(0, SESSION_IP_HASH_HEX),
		createdAt: new Date(now).toISOString(),
		expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
	};
	await env.SESSIONS.put(sessionKey(await sha256Hex(token)), JSON.stringify(session), {
		expirationTtl: Math.max(KV_MIN_TTL_SECONDS, ttlSeconds),
	});
	rememberSession(token, session);
	const expiresInSeconds = Math.max(0, Math.ceil((now + ttlSeconds * 1000 - Date.now()) / 1000));
	return {
		session,
		issued: { sessionId: session.sessionId, token, expiresAt: session.expiresAt, expiresInSeconds },
	};
}
