// Rate limits at the edge (docs/rate-limits.md).
//
//   rateLimits      on /api/*: per-IP reads and writes (token buckets in this
//                   isolate's memory) and per-IP session creation.
//   resetRateLimit  in front of any reset (operator reset, demo sandbox reset):
//                   per IP, exact, in a limiter Durable Object (limiter-limits.ts,
//                   with the session limit's count across isolates).
//   reserveLimits   what the reserve route passes to the SKU object, which keeps
//                   the per-session limit and the tiers (ratelimit/reserve-guard.ts).
//
// Every refusal is 429 `rate_limited` with a Retry-After in whole seconds,
// rounded up from the exact time the same request would pass, and a message
// naming the limit. RATE_LIMITS=off turns all of them off.

import type { MiddlewareHandler } from "hono";
import { retryAfterSeconds } from "../../domain/rate-counters.ts";
import { latencyBucket } from "../../domain/timeseries.ts";
import { EDGE_ANSWERED, EDGE_LATENCY_PREFIX } from "../../inventory/rpc.ts";
import {
	type RateLimitConfig,
	type ReserveLimits,
	TEST_CLOCK_HEADER,
} from "../../ratelimit/config.ts";
import {
	chargeIp,
	flushSoon,
	type IpLimit,
	ipWouldAllow,
	takeIp,
	takeTallies,
	tally,
} from "../../ratelimit/edge-counters.ts";
import { TOTALS_NAME } from "../../ratelimit/limiter-object.ts";
import { type ReserveRefusal, refusalMessage } from "../../ratelimit/reserve-guard.ts";
import { clientKeyOf } from "../client-ip.ts";
import type { Env } from "../env.ts";
import { ApiError, type AppEnv, type Ctx, fail } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { carriesAdminToken, optionalSession } from "./auth.ts";

/** Stats keys of the edge's refusals (the `rejected` maps). */
export const EDGE_REJECTION_KEY = {
	reads: "rate_limited.ip_reads",
	writes: "rate_limited.ip_writes",
	sessions: "rate_limited.sessions",
	reset: "rate_limited.reset",
	sandbox: "rate_limited.ip_sandbox",
} as const;

/** Hex characters of the IP hash that name a client's reset and session limiters (128 bits: no collisions). */
export const RESET_KEY_HEX = 32;

/** The reserve limits for the SKU object; null when RATE_LIMITS=off. */
export function reserveLimits(c: Ctx): ReserveLimits | null {
	return c.get("config").rateLimits?.reserve ?? null;
}

/**
 * The moment the rate limits judge this request at: `systemMs` (the judge's own
 * clock), or with RATE_LIMIT_CLOCK=request the time the request names in
 * TEST_CLOCK_HEADER (ratelimit/config.ts; only with ENVIRONMENT local or test).
 */
export function limitClockMs(c: Ctx, config: RateLimitConfig, systemMs: number): number {
	if (config.clock !== "request") return systemMs;
	const named = c.req.header(TEST_CLOCK_HEADER);
	if (named === undefined) return systemMs;
	const ms = Number(named);
	if (named.trim() === "" || !Number.isSafeInteger(ms) || ms < 0) {
		throw new ApiError(
			"invalid_request",
			`${TEST_CLOCK_HEADER} must be a whole number of epoch milliseconds.`,
		);
	}
	return ms;
}

/**
 * The moment a client's address is hashed at (worker/secrets.ts, whose key turns over at midnight
 * UTC): the request's named time under RATE_LIMIT_CLOCK=request, as every limit it meets judges
 * it, else now. Also with RATE_LIMITS=off, where only the capacity bounds (the live feed's places)
 * count addresses, at the runtime's time.
 */
export function hashClockMs(c: Ctx): number {
	const config = c.get("config").rateLimits;
	return config === null ? Date.now() : limitClockMs(c, config, Date.now());
}

/**
 * When a reserve attempt arrived, for the SKU object's bot signals and (with
 * RATE_LIMIT_CLOCK=request) its window: the edge's arrival time, or the time the
 * request names.
 */
export function attemptArrivedAtMs(c: Ctx): number {
	const config = c.get("config").rateLimits;
	const arrivedAtMs = c.get("startedAtMs");
	return config === null ? arrivedAtMs : limitClockMs(c, config, arrivedAtMs);
}

/** 429 with an honest Retry-After; the refusal is counted for the stats. */
export function refuse(
	c: Ctx,
	retryAfterMs: number,
	message: string,
	reason: string,
	sku: string | null,
): Response {
	const seconds = retryAfterSeconds(retryAfterMs);
	count(c, reason, sku);
	return fail(c, "rate_limited", `${message} Retry after ${seconds} s.`, {
		"Retry-After": String(seconds),
	});
}

/** 429 for a reserve attempt the SKU object refused (it counted the refusal itself). */
export function refuseReserve(c: Ctx, refusal: ReserveRefusal): Response {
	const seconds = retryAfterSeconds(refusal.retryAfterMs);
	return fail(c, "rate_limited", refusalMessage(refusal, seconds), {
		"Retry-After": String(seconds),
	});
}

/**
 * The session behind a public read that carries a buyer token: the SKU object
 * remembers it read the product (the "prior read" signal). Undefined when there
 * is no valid token, limits are off, or the session store cannot be reached; a read never fails
 * for it (optionalSession).
 */
export async function readerSessionId(c: Ctx): Promise<string | undefined> {
	if (c.get("config").rateLimits === null) return undefined;
	return (await optionalSession(c))?.sessionId;
}

function send(env: Env, target: string | null, counts: Record<string, number>): Promise<void> {
	if (target === null) return env.LIMITER.get(env.LIMITER.idFromName(TOTALS_NAME)).record(counts);
	return inventory(env, target).recordRejections(counts);
}

function count(c: Ctx, reason: string, sku: string | null): void {
	const target = tally({ sku }, reason);
	const env = c.env;
	const delivery = flushSoon(target, Date.now(), (counts) => send(env, target, counts));
	if (delivery !== null) c.executionCtx.waitUntil(delivery);
}

/**
 * A reserve attempt the edge answered from its snapshot: counted in the SKU's
 * attempts and rejections, delivered with the same batching as the refusals.
 */
export function countEdgeAnswer(c: Ctx, sku: string, code: string): void {
	tally({ sku }, EDGE_ANSWERED);
	count(c, code, sku);
}

/**
 * A reserve request's latency as the edge saw it (arrival to answer), tallied
 * by bucket and delivered with the refusals to the SKU's metrics.
 */
export function countEdgeLatency(c: Ctx, sku: string, latencyMs: number): void {
	count(c, `${EDGE_LATENCY_PREFIX}${latencyBucket(Math.max(0, latencyMs))}`, sku);
}

/** Delivers this isolate's waiting counts for a target now: stats read after a refusal include it. */
export async function deliverTallies(env: Env, sku: string | null): Promise<void> {
	const counts = takeTallies(sku);
	if (counts !== null) await send(env, sku, counts);
}

export function per(limit: number, windowMs: number, what: string): string {
	return `${limit} ${what}${limit === 1 ? "" : "s"} per ${windowMs / 1000} s`;
}

const IP_WHAT: Record<IpLimit, string> = {
	reads: "read",
	writes: "write request",
	sessions: "new session",
	sandbox: "demo sandbox reserve attempt",
};

/** 429 for a per-IP bucket spent, naming the limit; counted in the edge's totals. */
export function refuseIp(
	c: Ctx,
	kind: IpLimit,
	config: RateLimitConfig,
	retryAfterMs: number,
): Response {
	const limit = config[kind];
	return refuse(
		c,
		retryAfterMs,
		`This network address reached its limit of ${per(limit, config.windowMs, IP_WHAT[kind])}.`,
		EDGE_REJECTION_KEY[kind],
		null,
	);
}

/** The operator endpoints (worker/routes/admin*.ts), all behind requireAdmin. */
const OPERATOR_PATHS = "/api/admin/";

/**
 * What the reserve route refuses before it calls the SKU object (a bad body or header, an unknown
 * SKU): all thrown, so Hono keeps them on `c.error`. No session limit met them, so they are the
 * address's writes. A session past its own cost limit (`cost_limit`) is not among them: that
 * session is already refused every attempt by its own budget, and charging its refusals would put
 * everyone behind its address into write debt. The edge's own sold_out / not_started answers are
 * returned, not thrown: they cost nothing more here (docs/rate-limits.md).
 */
const REFUSED_BEFORE_DECISION: ReadonlySet<string> = new Set([
	"invalid_request",
	"unknown_sku",
	"payload_too_large",
	"unsupported_media_type",
]);

function refusedBeforeDecision(error: Error | undefined): boolean {
	return error instanceof ApiError && REFUSED_BEFORE_DECISION.has(error.code);
}

function isReserveAttempt(c: Ctx): boolean {
	return c.req.method === "POST" && /^\/api\/reservations\/?$/.test(c.req.path);
}

/**
 * Per-IP limits (FR-7 layer 1, docs/rate-limits.md). Reads: GET/HEAD. Writes: everything else,
 * except a reserve attempt by a valid session — those are governed by the
 * session's own, exact limit in the SKU object (200/min, docs/rate-limits.md), which a
 * per-IP 100/min would otherwise cut in half; a reserve attempt that turns out
 * to have no valid session, or that is refused before the object's decision, is charged to the
 * IP after all.
 */
export const rateLimits: MiddlewareHandler<AppEnv> = async (c, next) => {
	const config = c.get("config").rateLimits;
	if (config === null) return next();
	// The operator's own calls spend no per-IP budget: anyone behind the operator's address (an
	// office, a conference network, the operator's own drop script) could otherwise keep the
	// operator from pausing or restocking a live drop. Only with the right token; a wrong or
	// missing one is charged like any anonymous request, so guessing stays bounded. Resets keep
	// their own limit (resetRateLimit). Asked only on operator paths: buyers pay nothing for it.
	if (c.req.path.startsWith(OPERATOR_PATHS) && (await carriesAdminToken(c))) return next();
	const ip = clientKeyOf(c);
	const now = limitClockMs(c, config, Date.now());
	const method = c.req.method;
	if (method === "GET" || method === "HEAD") {
		const d = takeIp("reads", ip, now, config.reads, config.windowMs);
		if (!d.ok) return refuseIp(c, "reads", config, d.retryAfterMs);
		return next();
	}
	if (isReserveAttempt(c)) {
		// Refused only when the IP's write budget is spent; a take that fails consumes nothing.
		if (!ipWouldAllow("writes", ip, now, config.writes, config.windowMs)) {
			const d = takeIp("writes", ip, now, config.writes, config.windowMs);
			if (!d.ok) return refuseIp(c, "writes", config, d.retryAfterMs);
		}
		await next();
		// Charged after the answer, so into debt if need be: attempts in flight together all passed
		// the check above before any of them was counted.
		if (c.get("session") === undefined || refusedBeforeDecision(c.error))
			chargeIp("writes", ip, now, config.writes, config.windowMs);
		return;
	}
	const d = takeIp("writes", ip, now, config.writes, config.windowMs);
	if (!d.ok) return refuseIp(c, "writes", config, d.retryAfterMs);
	// POST /api/sessions also spends the new-session budget unless it renews a session: the
	// route decides, once it knows (newSessionRefusal).
	return next();
};
