// The sections of the parsed configuration built from more than one variable: the rate limits
// and the payment provider's settings. Used by parseConfig and by the parsers of those
// variables alone (rateLimitConfig, parsePaymentVars), all in src/shared/config.ts.

import { RATE_LIMIT_FLAG_WINDOWS } from "../domain/bounds.ts";
import type { RateLimitClock, RateLimitConfig } from "../ratelimit/config.ts";
import type { PaymentSettings } from "./config-types.ts";

/** The rate-limit variables as the schema parses them (config.ts ConfigVarsSchema, RateLimitVars). */
interface RateLimitParsed {
	RATE_LIMITS: "on" | "off";
	RATE_LIMIT_WINDOW_SECONDS: number;
	RATE_LIMIT_RESERVE: number;
	RATE_LIMIT_RESERVE_NEW: number;
	RATE_LIMIT_RESERVE_SUSPECTED: number;
	RATE_LIMIT_WRITES: number;
	RATE_LIMIT_READS: number;
	RATE_LIMIT_RESET: number;
	RATE_LIMIT_SESSIONS: number;
	RATE_LIMIT_ROOM_TICKETS: number;
	RATE_LIMIT_ROOM_TICKETS_IPV4: number;
	RATE_LIMIT_SANDBOX: number;
	RATE_LIMIT_SANDBOX_IP: number;
	RATE_LIMIT_CLOCK: RateLimitClock;
	ENVIRONMENT: string;
}

/** The payment variables as the schema parses them (config.ts ConfigVarsSchema, PaymentVars). */
interface PaymentParsed {
	/** Null when unset: simulated (outside local/test parseConfig refuses that first). */
	PAYMENT_PROVIDER: "simulated" | "stripe" | null;
	PAYMENT_SIM_LATENCY_MS: number;
	STRIPE_SECRET_KEY: string | null;
	STRIPE_API_BASE: string | null;
}

export function rateLimitsOf(v: RateLimitParsed): RateLimitConfig | null {
	if (v.RATE_LIMITS === "off") return null;
	const windowMs = v.RATE_LIMIT_WINDOW_SECONDS * 1000;
	const clock = v.RATE_LIMIT_CLOCK;
	return {
		windowMs,
		clock,
		reserve: {
			windowMs,
			verified: v.RATE_LIMIT_RESERVE,
			new: v.RATE_LIMIT_RESERVE_NEW,
			suspected: v.RATE_LIMIT_RESERVE_SUSPECTED,
			flaggedForMs: windowMs * RATE_LIMIT_FLAG_WINDOWS,
			windowAtArrival: clock === "request",
		},
		writes: v.RATE_LIMIT_WRITES,
		reads: v.RATE_LIMIT_READS,
		reset: v.RATE_LIMIT_RESET,
		sessions: v.RATE_LIMIT_SESSIONS,
		roomTickets: v.RATE_LIMIT_ROOM_TICKETS,
		roomTicketsIpv4: v.RATE_LIMIT_ROOM_TICKETS_IPV4,
		sandboxSession: v.RATE_LIMIT_SANDBOX,
		sandbox: v.RATE_LIMIT_SANDBOX_IP,
	};
}

export function paymentSettings(v: PaymentParsed, problems: string[]): PaymentSettings | null {
	if (v.PAYMENT_PROVIDER !== "stripe")
		return { provider: "simulated", simLatencyMs: v.PAYMENT_SIM_LATENCY_MS };
	if (v.STRIPE_SECRET_KEY === null) {
		problems.push("STRIPE_SECRET_KEY is not set, and PAYMENT_PROVIDER=stripe needs it");
		return null;
	}
	return {
		provider: "stripe",
		secretKey: v.STRIPE_SECRET_KEY,
		apiBase: v.STRIPE_API_BASE ?? undefined,
	};
}
