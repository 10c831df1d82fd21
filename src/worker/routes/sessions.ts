import { Hono } from "hono";
import { z } from "zod";
import type { Config } from "../../shared/config.ts";
import type { IssuedSession } from "../../shared/sessions.ts";
import { parseBody } from "../body.ts";
import type { Env } from "../env.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { newSessionId, newToken, sha256Hex } from "../ids.ts";
import { rememberSession, type Session, sessionKey } from "../middleware/auth.ts";
import { ipHash, sameSecret } from "../secrets.ts";
import { verifyTurnstile } from "../turnstile.ts";

/** Hex characters of the IP hash a session keeps: 64 bits tell sessions apart, no more is needed. */
const SESSION_IP_HASH_HEX = 16;
/** KV refuses expirationTtl below 60 s; shorter sessions still end on time via expiresAt. */
const KV_MIN_TTL_SECONDS = 60;

const CreateSession = z.object({ turnstileToken: z.string().min(1).max(2048) });

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
	return { session, issued: { sessionId: session.sessionId, token, expiresAt: session.expiresAt } };
}

export const sessions = new Hono<AppEnv>();

sessions.post("/", async (c) => {
	const { turnstileToken } = await parseBody(c, CreateSession);
	const config = c.var.config;
	const debug = config.debugToken;
	if (!(debug !== null && (await sameSecret(turnstileToken, debug)))) {
		const verdict = await verifyTurnstile(config, turnstileToken);
		if (!verdict.ok && verdict.reason === "unreachable") {
			return fail(c, "unavailable", "The bot check service could not be reached; retry shortly.", {
				"Retry-After": "5",
			});
		}
		if (!verdict.ok)
			return fail(c, "turnstile_failed", `Turnstile rejected the token (${verdict.detail}).`);
	}
	const { session, issued } = await mintSession(
		c.env,
		config,
		c.req.header("cf-connecting-ip") ?? "unknown",
	);
	// The new session's cost ledger starts with the request that created it (worker/cost/meta.ts).
	c.set("session", session);
	return ok(c, issued, 201);
});
