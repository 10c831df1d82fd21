// The limits kept by a limiter Durable Object rather than this isolate's memory (docs/rate-limits.md):
//
//   newSessionRefusal      per-IP session creation, the isolate's bucket and then the same
//                          bucket exactly across isolates;
//   resetRateLimit         in front of an operator's reset: per IP, exact;
//   sandboxResetRateLimit  in front of a demo sandbox's reset: the same limit, counted apart.
//
// Each limiter object is named by the client key's keyed hash, whose key turns over at midnight
// UTC; takeAcrossMidnight carries a count across it (docs/decisions/160-per-address-limits-across-midnight.md).
// Moved out of ratelimit.ts, unchanged, to keep that file under 400 lines.

import type { MiddlewareHandler, Next } from "hono";
import { SKU_PATTERN } from "../../domain/bounds.ts";
import type { Decision } from "../../domain/rate-counters.ts";
import type { RateLimitConfig } from "../../ratelimit/config.ts";
import { takeIp } from "../../ratelimit/edge-counters.ts";
import type { RateLimiterObject, TokenTake } from "../../ratelimit/limiter-object.ts";
import { clientKeyOf } from "../client-ip.ts";
import type { AppEnv, Ctx } from "../http.ts";
import { addressHashes, sinceMidnightMs } from "../secrets.ts";
import {
	EDGE_REJECTION_KEY,
	limitClockMs,
	per,
	RESET_KEY_HEX,
	refuse,
	refuseIp,
} from "./ratelimit.ts";

/**
 * The new-session budget (RATE_LIMIT_SESSIONS per address) for a POST /api/sessions that makes a
 * new buyer: a refusal, or null when it may go on. A renewal of a session the server still knows
 * (live or within its grace) makes no new buyer and does not spend it, only the address's writes
 * like any other write: a page that renews ahead of its session's end
 * (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md) is not refused with the
 * office that opened the drop at the same moment.
 */
export async function newSessionRefusal(c: Ctx): Promise<Response | null> {
	const config = c.get("config").rateLimits;
	if (config === null) return null;
	const now = limitClockMs(c, config, Date.now());
	const key = clientKeyOf(c);
	const s = takeIp("sessions", key, now, config.sessions, config.windowMs);
	if (!s.ok) return refuseIp(c, "sessions", config, s.retryAfterMs);
	const everywhere = await takeSessionEverywhere(c, config, key, now);
	return everywhere.ok ? null : refuseIp(c, "sessions", config, everywhere.retryAfterMs);
}

/**
 * The session bucket once more, counted for every isolate: on Cloudflare each isolate keeps its
 * own buckets (ratelimit/edge-counters.ts), so a client whose connections reach several would
 * get RATE_LIMIT_SESSIONS a window from each. The limiter object of the client key's hash keeps
 * the same bucket exactly. Worth its call here only: making a session already waits for
 * siteverify and a KV write, and no hot path comes through. A limiter that cannot be reached
 * leaves the isolate's verdict standing (logged), rather than turning every new buyer away.
 */
async function takeSessionEverywhere(
	c: Ctx,
	config: RateLimitConfig,
	clientKey: string,
	nowMs: number,
): Promise<Decision> {
	try {
		// Today's bucket keeps no more than yesterday's was left with (undefined from a limiter on
		// code from before it said: today's then starts full, as it did).
		const take = (limiter: DurableObjectStub<RateLimiterObject>, yesterday?: Decision) =>
			limiter.takeToken(
				config.sessions,
				config.windowMs,
				config.clock === "request" ? nowMs : undefined,
				tokensLeft(yesterday),
			);
		return await takeAcrossMidnight(c, "sessions", clientKey, nowMs, config.windowMs, take);
	} catch (error) {
		console.warn(
			"the session limiter could not be reached; this isolate's count stands",
			String(error),
		);
		return { ok: true };
	}
}

/** The tokens a limiter's bucket was left with, when its answer says (limiter-object.ts `TokenTake`). */
function tokensLeft(take: Decision | undefined): number | undefined {
	const left = (take as Partial<TokenTake> | undefined)?.tokensLeft;
	return typeof left === "number" ? left : undefined;
}

/**
 * Takes from the client's limiter object of `bucket` (named by the client key's keyed hash, so no
 * address is in an object's name or storage). The hash's key turns over at midnight UTC
 * (worker/secrets.ts), and a new day's object starts afresh; so for one window after midnight,
 * when yesterday's object may still remember hits, it is asked first, and a refusal there stands
 * without spending today's. Today's take is told what yesterday's answered: a token bucket then
 * goes on from yesterday's level rather than from full, so the two move together and today's is
 * exact alone once the window has passed (a log needs nothing: every hit in it after the window
 * is in today's log too). After that window yesterday's object has nothing left to say: one call,
 * as before (docs/decisions/160-per-address-limits-across-midnight.md).
 */
async function takeAcrossMidnight(
	c: Ctx,
	bucket: "sessions" | "reset" | "sandbox-reset",
	clientKey: string,
	nowMs: number,
	windowMs: number,
	take: (limiter: DurableObjectStub<RateLimiterObject>, yesterday?: Decision) => Promise<Decision>,
): Promise<Decision> {
	const hash = await addressHashes(c.get("config").ipHashSecret, clientKey, nowMs);
	const limiter = (h: string) =>
		c.env.LIMITER.get(c.env.LIMITER.idFromName(`${bucket}:${h.slice(0, RESET_KEY_HEX)}`));
	if (sinceMidnightMs(nowMs) < windowMs) {
		const before = await take(limiter(hash.yesterday));
		if (!before.ok) return before;
		return take(limiter(hash.today), before);
	}
	return take(limiter(hash.today));
}

/**
 * At most RATE_LIMIT_RESET resets per window per client IP (docs/api.md), exact
 * across isolates. Put it in front of any route that resets a SKU; the refusal
 * is counted in that SKU's stats when the route has a :sku parameter. The operator's resets and
 * the demo sandbox's are counted apart, so a visitor behind the operator's address cannot spend
 * the operator's reset (docs/rate-limits.md).
 */
export const resetRateLimit: MiddlewareHandler<AppEnv> = (c, next) => limitResets(c, next, "reset");

/** The demo sandbox's resets: the same limit, its own count per client IP. */
export const sandboxResetRateLimit: MiddlewareHandler<AppEnv> = (c, next) =>
	limitResets(c, next, "sandbox-reset");

async function limitResets(
	c: Ctx,
	next: Next,
	bucket: "reset" | "sandbox-reset",
): Promise<Response | undefined> {
	const config = c.get("config").rateLimits;
	if (config === null) {
		await next();
		return undefined;
	}
	// A keyed hash names the limiter object: no IP in object names or storage. The key rotates at
	// midnight UTC (secrets.ts); in the window after it, yesterday's object is asked first, so a
	// reset just before midnight still counts against one just after.
	const nowMs = limitClockMs(c, config, Date.now());
	const d = await takeAcrossMidnight(c, bucket, clientKeyOf(c), nowMs, config.windowMs, (limiter) =>
		limiter.take(config.reset, config.windowMs, config.clock === "request" ? nowMs : undefined),
	);
	if (d.ok) {
		await next();
		return undefined;
	}
	const sku = c.req.param("sku");
	return refuse(
		c,
		d.retryAfterMs,
		`Resets are limited to ${per(config.reset, config.windowMs, "reset")} for each network address.`,
		EDGE_REJECTION_KEY.reset,
		sku !== undefined && SKU_PATTERN.test(sku) ? sku : null,
	);
}
