// The budgets of a session's reserve attempts on its own demo sandbox
// (docs/decisions/163-a-sandbox-bounded.md, docs/rate-limits.md): the session's, kept by the
// sandbox's object with no tiers, and the address's, a token bucket at the edge.

import type { ReserveLimits } from "../../ratelimit/config.ts";
import { takeIp } from "../../ratelimit/edge-counters.ts";
import { clientKeyOf } from "../client-ip.ts";
import type { Ctx } from "../http.ts";
import { limitClockMs, refuseIp } from "./ratelimit.ts";

/**
 * The limits of a session's attempts on its own demo sandbox, for the sandbox's object: one count
 * of RATE_LIMIT_SANDBOX a window, no tiers (a stampede is the demo's point, and a flag lasting no
 * time tiers nobody down); null when RATE_LIMITS=off (docs/decisions/163-a-sandbox-bounded.md).
 */
export function sandboxLimits(c: Ctx): ReserveLimits | null {
	const config = c.get("config").rateLimits;
	if (config === null) return null;
	const n = config.sandboxSession;
	return { ...config.reserve, verified: n, new: n, suspected: n, flaggedForMs: 0 };
}

/**
 * The address's budget of attempts on its sessions' own sandboxes (RATE_LIMIT_SANDBOX_IP, a token
 * bucket in this isolate, as the writes'): a 429 once it is spent, else null and one taken. Asked
 * before the sandbox's object, so a refused attempt costs no call.
 */
export function sandboxAddressRefusal(c: Ctx): Response | null {
	const config = c.get("config").rateLimits;
	if (config === null) return null;
	const now = limitClockMs(c, config, Date.now());
	const d = takeIp("sandbox", clientKeyOf(c), now, config.sandbox, config.windowMs);
	return d.ok ? null : refuseIp(c, "sandbox", config, d.retryAfterMs);
}
