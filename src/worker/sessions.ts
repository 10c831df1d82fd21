// Minting buyer sessions: the one place sessions are made, for POST /api/sessions
// (routes/sessions.ts) and the operator's load-test sessions (routes/admin-sessions.ts).

import type { Config } from "../shared/config.ts";
import { sha256Hex } from "../shared/digest.ts";
import {
	type IssuedSession,
	REPLACED_TOKEN_RECORD_SECONDS,
	SESSION_GRACE_SECONDS,
} from "../shared/sessions.ts";
import type { Env } from "./env.ts";
import { newSessionId, newToken } from "./ids.ts";
import { rememberSession, type Session, sessionKey } from "./middleware/auth.ts";
import { ipHash } from "./secrets.ts";

/** Hex characters of the IP hash a session keeps: 64 bits tell sessions apart, no more is needed. */
const SESSION_IP_HASH_HEX = 16;

/** A session's `ipHash` of a client key (worker/client-ip.ts) for the UTC day of `nowMs`. */
export async function addressHash(
	secret: string,
	clientKey: string,
	nowMs: number,
): Promise<string> {
	return sessionIpHash(await ipHash(secret, clientKey, nowMs));
}

/** A full keyed hash (worker/secrets.ts) cut to the length a session's `ipHash` keeps. */
export function sessionIpHash(hash: string): string {
	return hash.slice(0, SESSION_IP_HASH_HEX);
}
/** KV refuses expirationTtl below 60 s; shorter sessions still end on time via expiresAt. */
const KV_MIN_TTL_SECONDS = 60;

/**
 * Mints one buyer session and stores it in KV: the one place sessions are made,
 * for POST /api/sessions and the operator's load-test sessions
 * (routes/admin-sessions.ts) alike, so both have the same shape and TTL.
 * `renewing` is a session (live, or ended within its grace) this one continues, with the token
 * that named it: a new token with the same `sessionId` and `createdAt`, so its holds, orders,
 * waiting-room ticket and purchase limit stay its own (docs/decisions/086-a-sessions-end-and-what-it-owns.md),
 * and the old token is replaced (retire, below).
 * `loadTest`: the operator's (routes/admin-sessions.ts), with no grace and never renewed, so KV
 * keeps it no longer than the session lives (docs/decisions/092-review-11-leftovers.md).
 */
export async function mintSession(
	env: Env,
	config: Config,
	clientKey: string,
	how: { renewing?: { session: Session; token: string } | null; loadTest?: boolean } = {},
): Promise<{ session: Session; issued: IssuedSession }> {
	const renewing = how.renewing?.session ?? null;
	const loadTest = how.loadTest === true;
	const ttlSeconds = config.sessionTtlSeconds;
	const now = Date.now();
	const token = newToken();
	const session: Session = {
		sessionId: renewing?.sessionId ?? newSessionId(),
		// Keyed and rotated daily (secrets.ts): comparable with other sessions of the same UTC day
		// only. A renewal takes today's hash of the address it comes from. Of the client key
		// (worker/client-ip.ts clientKeyOf), so one IPv6 /64 is one hash, as it is one limit.
		ipHash: await addressHash(config.ipHashSecret, clientKey, now),
		createdAt: renewing?.createdAt ?? new Date(now).toISOString(),
		expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
		...(loadTest ? { loadTest: true as const } : {}),
	};
	// Kept past expiresAt for the grace in which the token still reaches what the session owns
	// and may be renewed (middleware/auth.ts requireOwnSession): KV forgets it after that. A
	// load-test session has no grace.
	await env.SESSIONS.put(sessionKey(await sha256Hex(token)), JSON.stringify(session), {
		expirationTtl: Math.max(
			KV_MIN_TTL_SECONDS,
			ttlSeconds + (loadTest ? 0 : SESSION_GRACE_SECONDS),
		),
	});
	rememberSession(token, session);
	// After the new token is stored: a renewal that fails before this leaves the old one as it was.
	if (how.renewing) await retire(env, how.renewing.token, how.renewing.session, now);
	const expiresInSeconds = Math.max(0, Math.ceil((now + ttlSeconds * 1000 - Date.now()) / 1000));
	return {
		session,
		issued: {
			sessionId: session.sessionId,
			token,
			expiresAt: session.expiresAt,
			expiresInSeconds,
			issuedAt: new Date(now).toISOString(),
		},
	};
}

/**
 * Marks the token a renewal replaced: it never renews again, and reaches nothing once
 * REPLACED_TOKEN_GRACE_SECONDS have passed (middleware/auth.ts judge), so a copy of it (a shared
 * machine, a copied sessionStorage) cannot continue the session beside its buyer. KV keeps the
 * record REPLACED_TOKEN_RECORD_SECONDS, a few minutes past that grace, so that the refusal says
 * "replaced" on every isolate, not "unknown" (docs/decisions/173-review-31s-findings.md). One KV
 * write per renewal, none on the hot path (docs/decisions/166-a-renewed-sessions-old-token-ends.md).
 */
async function retire(env: Env, token: string, session: Session, nowMs: number): Promise<void> {
	const replaced: Session = { ...session, replacedAt: new Date(nowMs).toISOString() };
	await env.SESSIONS.put(sessionKey(await sha256Hex(token)), JSON.stringify(replaced), {
		expirationTtl: Math.max(KV_MIN_TTL_SECONDS, REPLACED_TOKEN_RECORD_SECONDS),
	});
	rememberSession(token, replaced);
}
