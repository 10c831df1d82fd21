// Bearer authentication. Buyers present a session token from POST /api/sessions
// (stored in KV with a TTL, keyed by the token's hash so a KV dump reveals no
// usable token); operators present ADMIN_TOKEN.

import type { MiddlewareHandler } from "hono";
import { ApiError, type AppEnv } from "../http.ts";
import { sha256Hex } from "../ids.ts";

/** All a session stores: no PII (seed 003, CCO row). */
export interface Session {
	sessionId: string;
	ipHash: string;
	createdAt: string;
	expiresAt: string;
}

/** Sessions cached per isolate: the hot path then reads KV once per session, not per request. */
const CACHE_LIMIT = 10_000;
const cache = new Map<string, Session>();

export function sessionKey(tokenHash: string): string {
	return `session:${tokenHash}`;
}

export function bearer(header: string | undefined): string | null {
	if (header === undefined) return null;
	const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
	return m?.[1] ?? null;
}

export function rememberSession(token: string, session: Session): void {
	if (cache.size >= CACHE_LIMIT) {
		const oldest = cache.keys().next().value;
		if (oldest !== undefined) cache.delete(oldest);
	}
	cache.set(token, session);
}

/** Also used by the cost ledger (worker/cost/middleware.ts) to find a request's session on any route. */
export async function lookup(kv: KVNamespace, token: string): Promise<Session | null> {
	const cached = cache.get(token);
	if (cached !== undefined) return cached;
	const session = await kv.get<Session>(sessionKey(await sha256Hex(token)), "json");
	if (session !== null) rememberSession(token, session);
	return session;
}

export const requireSession: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearer(c.req.header("authorization"));
	if (token === null)
		throw new ApiError("unauthorized", "Missing Authorization: Bearer <token> header.");
	const session = await lookup(c.env.SESSIONS, token);
	if (session === null) throw new ApiError("unauthorized", "Unknown or expired session token.");
	if (Date.parse(session.expiresAt) <= Date.now()) {
		cache.delete(token);
		throw new ApiError("unauthorized", "The session has expired; start a new one.");
	}
	c.set("session", session);
	await next();
};

function sameSecret(a: string, b: string): boolean {
	const enc = new TextEncoder();
	const x = enc.encode(a);
	const y = enc.encode(b);
	// timingSafeEqual needs equal lengths; compare a digest-free length check first.
	return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearer(c.req.header("authorization"));
	const admin = c.env.ADMIN_TOKEN;
	if (token === null)
		throw new ApiError("unauthorized", "Missing Authorization: Bearer <ADMIN_TOKEN> header.");
	if (admin === undefined || admin === "" || !sameSecret(token, admin)) {
		throw new ApiError("forbidden", "This operator endpoint needs the ADMIN_TOKEN.");
	}
	await next();
};
