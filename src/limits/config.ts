// The effective rate limits: the named defaults of domain/limits.ts, each
// overridable from the environment. Read by the Worker, which passes the
// reserve limits on to the SKU object with each batch, so configuration lives
// in one place and a test can switch limits on for one request.

import {
	RATE_LIMIT_FLAG_WINDOWS,
	RATE_LIMIT_READS,
	RATE_LIMIT_RESERVE,
	RATE_LIMIT_RESERVE_NEW,
	RATE_LIMIT_RESERVE_SUSPECTED,
	RATE_LIMIT_RESET,
	RATE_LIMIT_SESSIONS,
	RATE_LIMIT_WINDOW_SECONDS,
	RATE_LIMIT_WRITES,
} from "../domain/limits.ts";

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

/** The environment variables read here (docs/rate-limits.md lists them; scripts/config.ts passes them to `npm start`). */
export const RATE_LIMIT_VARS = [
	"RATE_LIMITS",
	"RATE_LIMIT_WINDOW_SECONDS",
	"RATE_LIMIT_RESERVE",
	"RATE_LIMIT_RESERVE_NEW",
	"RATE_LIMIT_RESERVE_SUSPECTED",
	"RATE_LIMIT_WRITES",
	"RATE_LIMIT_READS",
	"RATE_LIMIT_RESET",
	"RATE_LIMIT_SESSIONS",
] as const;
export type RateLimitVars = Partial<Record<(typeof RATE_LIMIT_VARS)[number], string>>;

/** A bad override falls back to the default rather than switching a limit off by accident. */
const MAX_COUNT = 1_000_000;
const MAX_WINDOW_SECONDS = 3600;

function count(value: string | undefined, fallback: number): number {
	if (value === undefined || value.trim() === "") return fallback;
	const n = Number(value);
	return Number.isInteger(n) && n >= 0 && n <= MAX_COUNT ? n : fallback;
}

function seconds(value: string | undefined, fallback: number): number {
	if (value === undefined || value.trim() === "") return fallback;
	const n = Number(value);
	return Number.isFinite(n) && n > 0 && n <= MAX_WINDOW_SECONDS ? n : fallback;
}

export function limitsOn(vars: RateLimitVars): boolean {
	return (vars.RATE_LIMITS ?? "on").trim().toLowerCase() !== "off";
}

const cache = new WeakMap<object, RateLimitConfig | null>();

/** The configuration, or null when RATE_LIMITS=off. Parsed once per env object. */
export function rateLimitConfig(vars: RateLimitVars): RateLimitConfig | null {
	const cached = cache.get(vars);
	if (cached !== undefined) return cached;
	const config = parse(vars);
	cache.set(vars, config);
	return config;
}

function parse(vars: RateLimitVars): RateLimitConfig | null {
	if (!limitsOn(vars)) return null;
	const windowMs = seconds(vars.RATE_LIMIT_WINDOW_SECONDS, RATE_LIMIT_WINDOW_SECONDS) * 1000;
	return {
		windowMs,
		reserve: {
			windowMs,
			verified: count(vars.RATE_LIMIT_RESERVE, RATE_LIMIT_RESERVE),
			new: count(vars.RATE_LIMIT_RESERVE_NEW, RATE_LIMIT_RESERVE_NEW),
			suspected: count(vars.RATE_LIMIT_RESERVE_SUSPECTED, RATE_LIMIT_RESERVE_SUSPECTED),
			flaggedForMs: windowMs * RATE_LIMIT_FLAG_WINDOWS,
		},
		writes: count(vars.RATE_LIMIT_WRITES, RATE_LIMIT_WRITES),
		reads: count(vars.RATE_LIMIT_READS, RATE_LIMIT_READS),
		reset: count(vars.RATE_LIMIT_RESET, RATE_LIMIT_RESET),
		sessions: count(vars.RATE_LIMIT_SESSIONS, RATE_LIMIT_SESSIONS),
	};
}
