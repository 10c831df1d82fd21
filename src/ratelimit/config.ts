// The effective rate limits: the named defaults of domain/bounds.ts, each overridable from the
// environment (parsed with the rest of the configuration in src/shared/config.ts). The Worker
// passes the reserve limits on to the SKU object with each batch, so configuration lives in one
// place and a test can switch limits on for one request.

/**
 * Whose clock times the limits. "system": each judge's own (the edge's, the SKU
 * object's, the limiter object's), as in production. "request": the moment a
 * request names in TEST_CLOCK_HEADER (its arrival when it names none), for every
 * judge of that request, so a test plays a minute of clicks in milliseconds and
 * its verdicts do not depend on how busy the machine is (docs/testing.md). Only
 * with ENVIRONMENT local or test (RATE_LIMIT_CLOCK, src/shared/config.ts).
 */
export type RateLimitClock = "system" | "request";

/** RATE_LIMIT_CLOCK=request: the epoch milliseconds a request is judged at. */
export const TEST_CLOCK_HEADER = "x-test-clock-ms";

/** What the SKU object needs to judge reserve attempts (structured-clone friendly). */
export interface ReserveLimits {
	windowMs: number;
	verified: number;
	new: number;
	suspected: number;
	/** How long a bot flag lasts after the attempt that raised it. */
	flaggedForMs: number;
	/** RATE_LIMIT_CLOCK=request: the window is kept by the attempt's arrival, not the object's clock. */
	windowAtArrival: boolean;
}

export interface RateLimitConfig {
	windowMs: number;
	clock: RateLimitClock;
	reserve: ReserveLimits;
	writes: number;
	reads: number;
	reset: number;
	sessions: number;
	/** Waiting-room places one IPv6 prefix may hold in one room (0: no cap). */
	roomTickets: number;
	/** Waiting-room places one IPv4 address may hold in one room (0: no cap, the default). */
	roomTicketsIpv4: number;
	/** Reserve attempts a session makes on its own demo sandbox per window (no tiers). */
	sandboxSession: number;
	/** Reserve attempts on their own sandboxes per IP per window, all its sessions together. */
	sandbox: number;
}

// Parsed with the rest of the configuration: a bad override is an error naming the variable.
export { type RateLimitVars, rateLimitConfig } from "../shared/config.ts";
