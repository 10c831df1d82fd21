// The effective rate limits: the named defaults of domain/limits.ts, each overridable from the
// environment (parsed with the rest of the configuration in src/shared/config.ts). The Worker
// passes the reserve limits on to the SKU object with each batch, so configuration lives in one
// place and a test can switch limits on for one request.

/** What the SKU object needs to judge reserve attempts (structured-clone friendly). */
export interface ReserveLimits {
	windowMs: number;
	verified: number;
	new: number;
	suspected: number;
	/** How long a bot flag lasts after the attempt that raised it. */
	flaggedForMs: number;
}

export interface RateLimitConfig {
	windowMs: number;
	reserve: ReserveLimits;
	writes: number;
	reads: number;
	reset: number;
	sessions: number;
}

// Parsed with the rest of the configuration: a bad override is an error naming the variable.
export { type RateLimitVars, rateLimitConfig } from "../shared/config.ts";
