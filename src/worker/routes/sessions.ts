import { Hono } from "hono";
import { z } from "zod";
import type { IssuedSession } from "../../shared/sessions.ts";
import { parseBody } from "../body.ts";
import { type Env, numberVar } from "../env.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { newSessionId, newToken, sha256Hex } from "../ids.ts";
import { rememberSession, type Session, sessionKey } from "../middleware/auth.ts";
import { verifyTurnstile } from "../turnstile.ts";

const DEFAULT_SESSION_TTL_SECONDS = 1200;
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
	clientIp: string,
): Promise<{ session: Session; issued: IssuedSession }> {
	const ttlSeconds = Math.max(
		1,
		Math.floor(numberVar(env.SESSION_TTL_SECONDS, DEFAULT_SESSION_TTL_SECONDS)),
	);
	const now = Date.now();
	const token = newToken();
	const session: Session = {
		sessionId: newSessionId(),
		ipHash: (await sha256Hex(`${env.IP_HASH_SALT ?? ""}:${clientIp}`)).slice(0, 16),
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
	const debug = c.env.DEBUG_TOKEN;
	if (!(debug !== undefined && debug !== "" && turnstileToken === debug)) {
		const verdict = await verifyTurnstile(c.env, turnstileToken);
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
		c.req.header("cf-connecting-ip") ?? "unknown",
	);
	// The new session's cost ledger starts with the request that created it (worker/cost/meta.ts).
	c.set("session", session);
	return ok(c, issued, 201);
});
