// Bearer authentication. Buyers present a session token from POST /api/sessions
// (stored in KV with a TTL, keyed by the token's hash so a KV dump reveals no
// usable token); operators present ADMIN_TOKEN, compared in constant time (secrets.ts).

import type { MiddlewareHandler } from "hono";
import { MAX_BEARER_TOKEN_CHARS } from "../../shared/bearer-token.ts";
import { sha256Hex } from "../../shared/digest.ts";
import { REPLACED_TOKEN_GRACE_SECONDS, SESSION_GRACE_SECONDS } from "../../shared/sessions.ts";
import { ApiError, type AppEnv, type Ctx } from "../http.ts";
import { sameSecret } from "../secrets.ts";
import { StorageUnavailable } from "../storage-errors.ts";

/** All a session stores: no PII (docs/architecture.md, "Behaviour where the contract is silent"). */
export interface Session {
	sessionId: string;
	ipHash: string;
	createdAt: string;
	expiresAt: string;
	/**
	 * Minted by the operator (POST /api/admin/sessions) for a load test: no grace after
	 * `expiresAt` and never renewed (docs/decisions/092-review-11-leftovers.md). Absent on a
	 * buyer's session, and on every session stored before it existed.
	 */
	loadTest?: true;
	/**
	 * When a renewal replaced this token with a newer one of the same session: it works for
	 * REPLACED_TOKEN_GRACE_SECONDS more and never renews again
	 * (docs/decisions/166-a-renewed-sessions-old-token-ends.md). Absent on a token no renewal replaced.
	 */
	replacedAt?: string;
}

/** Sessions cached per isolate: the hot path then reads KV once per session, not per request. */
const CACHE_LIMIT = 10_000;
const cache = new Map<string, Session>();
/** Each cached session's expiry as epoch ms, parsed once rather than on every request. */
const expiresAtMs = new WeakMap<Session, number>();
/** A replaced token's last moment (replacedAt + its grace) as epoch ms, parsed once. */
const replacedEndMs = new WeakMap<Session, number>();

function expiryOf(session: Session): number {
	let ms = expiresAtMs.get(session);
	if (ms === undefined) {
		ms = Date.parse(session.expiresAt);
		expiresAtMs.set(session, ms);
	}
	return ms;
}

function replacedEndOf(session: Session & { replacedAt: string }): number {
	let ms = replacedEndMs.get(session);
	if (ms === undefined) {
		ms = Date.parse(session.replacedAt) + REPLACED_TOKEN_GRACE_SECONDS * 1000;
		replacedEndMs.set(session, ms);
	}
	return ms;
}

export function sessionKey(tokenHash: string): string {
	return `session:${tokenHash}`;
}

/** The header as clients send it: "Bearer ", then the token. */
const PLAIN_BEARER = "Bearer ";
/** A token as the pattern below takes it: 1..MAX_BEARER_TOKEN_CHARS characters, no white space. */
const PLAIN_TOKEN = new RegExp(`^\\S{1,${MAX_BEARER_TOKEN_CHARS}}$`);
const BEARER = new RegExp(`^Bearer\\s+(\\S{1,${MAX_BEARER_TOKEN_CHARS}})\\s*$`, "i");
/** Any credentials after the Bearer scheme, of any length or shape (requireAdmin). */
const ANY_BEARER = /^Bearer\s+(\S[\s\S]*)$/i;

export function bearer(header: string | undefined): string | null {
	if (header === undefined) return null;
	// The plain shape is read by position, without a pattern with a capture: every request of a
	// session carries it (docs/hot-path/sold-out.md, "The sold-out answer's own cost"). The same token as
	// the pattern finds; any other shape goes through the pattern.
	if (header.startsWith(PLAIN_BEARER)) {
		const token = header.slice(PLAIN_BEARER.length);
		if (PLAIN_TOKEN.test(token)) return token;
	}
	const m = BEARER.exec(header);
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
	return await storedSession(kv, token);
}

/** The session KV keeps for `token`, past this isolate's cache, which it then refreshes. */
async function storedSession(kv: KVNamespace, token: string): Promise<Session | null> {
	const session = await kv.get<Session>(sessionKey(await sha256Hex(token)), "json");
	if (session !== null) rememberSession(token, session);
	else cache.delete(token);
	return session;
}

/** Session tokens are 32 random bytes in hex (ids.ts newToken): nothing else costs a KV read. */
const SESSION_TOKEN = /^[0-9a-f]{64}$/;

/**
 * A request's session: live, or none and why. An ended session still inside its grace
 * (SESSION_GRACE_SECONDS) is carried as `ended`, for the routes of what it owns
 * (requireOwnSession); every other route takes it as expired.
 */
type Resolved =
	| { session: Session }
	| { session: null; why: "missing" | "unknown" | "expired" | "replaced"; ended?: Session };

const SESSION_GRACE_MS = SESSION_GRACE_SECONDS * 1000;

/**
 * The request's buyer session, resolved once per request and kept on the
 * context: the cost ledger, the rate limits and the routes all ask it, so a
 * request costs at most one lookup (one KV read on an isolate's first sight
 * of a token, none after). Never throws; routes decide whether they need one.
 */
export async function resolveSession(c: Ctx): Promise<Resolved> {
	return knownSession(c) ?? (await readSession(c));
}

/**
 * How long a request whose session is optional waits for KV before it goes on without it: a
 * product or availability read is the hot path, and must not pay a slow session store's full
 * deadline (storage-errors.ts KV_DEADLINE_MS) for a session it does not need (docs/decisions/094-a-slow-session-store.md).
 * Far past a KV read's usual answer, so a session store that works is waited for.
 */
export const OPTIONAL_SESSION_WAIT_MS = 500;

/** optionalSession's race ran out of patience. */
const SLOW = Symbol("slow");

/**
 * The request's buyer session where having one is optional (the cost ledger on every route, the
 * reader of a public product read): a session store that cannot be reached, or has not answered
 * within OPTIONAL_SESSION_WAIT_MS, reads as no session, so those reads keep answering in a KV
 * outage or slow spell (docs/api.md, "unavailable"). The outage is not kept on the context: a
 * route that needs the session (requireSession) asks KV again, or joins the read still in flight,
 * and answers 503 if it fails or passes KV_DEADLINE_MS, never 401
 * (docs/decisions/056-optional-sessions-and-unknown-fields.md, 094-a-slow-session-store.md).
 * Not async, for the same reason as costLedger (worker/cost/middleware.ts): a session known
 * without I/O is answered with no promise of its own. `withEnded`: an ended session still inside
 * its grace counts too (the cost ledger judges what such a session may still do on the routes of
 * what it owns, docs/decisions/106-room-answers-limits-and-the-cost-lock.md).
 */
export function optionalSession(
	c: Ctx,
	withEnded = false,
): Session | null | Promise<Session | null> {
	const chosen = (resolved: Resolved) =>
		resolved.session ?? (withEnded ? (resolved.ended ?? null) : null);
	const known = knownSession(c);
	if (known !== undefined) return chosen(known);
	if (c.get("sessionSlow") === true) return null;
	const read = readSession(c);
	let timer: ReturnType<typeof setTimeout> | undefined;
	const patience = new Promise<typeof SLOW>((resolve) => {
		timer = setTimeout(() => resolve(SLOW), OPTIONAL_SESSION_WAIT_MS);
	});
	return Promise.race([read, patience]).then(
		(resolved) => {
			clearTimeout(timer);
			if (resolved !== SLOW) return chosen(resolved);
			c.set("sessionSlow", true);
			// The read goes on, bounded by KV_DEADLINE_MS: a late answer is cached for this
			// token's next request (lookup), and a route that needs the session joins it.
			keepAlive(c, read);
			return null;
		},
		(error: unknown) => {
			clearTimeout(timer);
			if (error instanceof StorageUnavailable) return null;
			throw error;
		},
	);
}

/** Lets `read` finish after the response (its late answer fills the cache); its failure is no one's. */
function keepAlive(c: Ctx, read: Promise<unknown>): void {
	const settled = read.catch(() => undefined);
	try {
		c.executionCtx.waitUntil(settled);
	} catch {
		// No execution context (a direct app.fetch call without one): the read still runs.
	}
}

/**
 * resolveSession's answer when it needs no I/O: no token, a token that is not a session token,
 * a session this isolate has cached (and every request after the first ask). Undefined when the
 * token must be looked up in KV. Synchronous, so the edge's first middleware (worker/app.ts) runs
 * without a promise for a request that carries no session or a cached one (docs/hot-path/edge-cost.md,
 * "What every request pays").
 */
export function knownSession(c: Ctx): Resolved | undefined {
	const known = c.get("resolvedSession");
	if (known !== undefined) return known;
	const token = bearer(c.req.header("authorization"));
	if (token === null) return settle(c, NO_TOKEN);
	if (!SESSION_TOKEN.test(token)) return settle(c, NOT_A_SESSION_TOKEN);
	// A cached session is answered before the KV binding is read (reading it builds the
	// request's metered KV wrapper, worker/cost/bindings.ts).
	const cached = cache.get(token);
	return cached === undefined ? undefined : settle(c, judge(token, cached));
}

/** The answers without a session are the same for every request: one object each, not one per request. */
const NO_TOKEN: Resolved = { session: null, why: "missing" };
const NOT_A_SESSION_TOKEN: Resolved = { session: null, why: "unknown" };
const EXPIRED: Resolved = { session: null, why: "expired" };
const REPLACED: Resolved = { session: null, why: "replaced" };

/**
 * The request's one KV read of its session: an ask while it is in flight joins it, so a route
 * that needs the session after an optional ask stopped waiting waits at most what is left of
 * KV_DEADLINE_MS (storage-errors.ts), not a second deadline. Forgotten once settled: an answer is
 * kept by settle, a failure is asked again (docs/decisions/056-optional-sessions-and-unknown-fields.md).
 */
function readSession(c: Ctx): Promise<Resolved> {
	const inFlight = c.get("sessionRead");
	if (inFlight !== undefined) return inFlight;
	const read = lookupSession(c).finally(() => c.set("sessionRead", undefined));
	c.set("sessionRead", read);
	return read;
}

async function lookupSession(c: Ctx): Promise<Resolved> {
	// knownSession answered every case but a well-formed token this isolate has not cached.
	const token = bearer(c.req.header("authorization")) ?? "";
	const session = await lookup(c.env.SESSIONS, token);
	return settle(c, session === null ? NOT_A_SESSION_TOKEN : judge(token, session));
}

function judge(token: string, session: Session): Resolved {
	const endMs = expiryOf(session);
	const nowMs = Date.now();
	// A renewal replaced this token: past its short grace it reaches nothing, whatever its session's end.
	if (
		session.replacedAt !== undefined &&
		replacedEndOf(session as Session & { replacedAt: string }) <= nowMs
	) {
		cache.delete(token);
		return REPLACED;
	}
	if (endMs > nowMs) return { session };
	// Ended, but its holds may outlive it: their owner keeps them (requireOwnSession). A
	// load-test session has no grace: it ends with its run.
	if (session.loadTest !== true && endMs + SESSION_GRACE_MS > nowMs) {
		return { session: null, why: "expired", ended: session };
	}
	cache.delete(token);
	return EXPIRED;
}

/**
 * The session `token` names, live or ended within its grace: the one a renewal
 * (POST /api/sessions `renewToken`) continues. Null for an unknown token, one past its grace,
 * an operator's load-test session (a buyer's human check never continues one), or a token a
 * renewal already replaced: only a session's newest token renews. Read from KV, not from this
 * isolate's cache, which may predate the renewal that replaced it
 * (docs/decisions/166-a-renewed-sessions-old-token-ends.md); a renewal is rare, not the hot path.
 */
export async function renewableSession(kv: KVNamespace, token: string): Promise<Session | null> {
	if (!SESSION_TOKEN.test(token)) return null;
	const session = await storedSession(kv, token);
	if (session === null || session.loadTest === true || session.replacedAt !== undefined)
		return null;
	const judged = judge(token, session);
	return judged.session ?? judged.ended ?? null;
}

function settle(c: Ctx, resolved: Resolved): Resolved {
	c.set("resolvedSession", resolved);
	if (resolved.session !== null) c.set("session", resolved.session);
	return resolved;
}

const UNAUTHORIZED: Record<"missing" | "unknown" | "expired" | "replaced", string> = {
	missing: "Missing Authorization: Bearer <token> header.",
	unknown: "Unknown or expired session token.",
	expired: "The session has expired; start a new one.",
	replaced: "This session token was replaced when the session was renewed; use the newer token.",
};

/**
 * Not an async function: a session known without I/O (every request of a session but an isolate's
 * first) goes on to `next` without promises of this middleware's own, which a sold-out answer,
 * most of a drop's traffic, would pay (docs/hot-path/sold-out.md, "The sold-out answer's own cost").
 */
export const requireSession: MiddlewareHandler<AppEnv> = (c, next) => {
	const known = knownSession(c);
	if (known !== undefined) return authorized(known, next);
	return readSession(c).then((resolved) => authorized(resolved, next));
};

function authorized(resolved: Resolved, next: () => Promise<void>): Promise<void> {
	if (resolved.session === null) throw new ApiError("unauthorized", UNAUTHORIZED[resolved.why]);
	return next();
}

/**
 * The routes of what a session owns (read, pay and cancel its holds, read its orders): a live
 * session, or one that ended less than SESSION_GRACE_SECONDS ago. A hold may end after the session
 * that took it, and its buyer was promised until the hold's `expiresAt`; the hold's own state
 * bounds what the call can still do (docs/decisions/086-a-sessions-end-and-what-it-owns.md).
 * The rate limits, which run before the route, take the request as one without a session (its
 * IP's budget); the route and the cost ledger see the ended session.
 */
export const requireOwnSession: MiddlewareHandler<AppEnv> = (c, next) => {
	const known = knownSession(c);
	if (known !== undefined) return owned(c, known, next);
	return readSession(c).then((resolved) => owned(c, resolved, next));
};

function owned(c: Ctx, resolved: Resolved, next: () => Promise<void>): Promise<void> {
	if (resolved.session === null && resolved.ended !== undefined) {
		c.set("session", resolved.ended);
		return next();
	}
	return authorized(resolved, next);
}

/**
 * The operator's credentials: whatever follows the Bearer scheme, however long or oddly shaped, so
 * that every wrong token gets the same 403 (docs/configuration.md, "Token comparisons"), and only a
 * header without Bearer credentials is "missing". Config refuses an ADMIN_TOKEN that `bearer()`
 * could not read (src/shared/bearer-token.ts), so nothing `bearer()` refuses can be the right one.
 */
function adminCredentials(header: string | undefined): string | null {
	if (header === undefined) return null;
	return bearer(header) ?? ANY_BEARER.exec(header.trim())?.[1] ?? null;
}

/**
 * Whether the request carries the ADMIN_TOKEN. Throws nothing: the per-IP limits ask it to let the
 * operator past budgets anonymous clients on the same address spend (middleware/ratelimit.ts);
 * requireAdmin still answers a missing or wrong token.
 */
export async function carriesAdminToken(c: Ctx): Promise<boolean> {
	const admin = c.get("config").adminToken;
	if (admin === null) return false;
	const token = adminCredentials(c.req.header("authorization"));
	return token !== null && (await sameSecret(token, admin));
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = adminCredentials(c.req.header("authorization"));
	const admin = c.get("config").adminToken;
	if (token === null)
		throw new ApiError("unauthorized", "Missing Authorization: Bearer <ADMIN_TOKEN> header.");
	if (admin === null || !(await sameSecret(token, admin))) {
		throw new ApiError("forbidden", "This operator endpoint needs the ADMIN_TOKEN.");
	}
	await next();
};
