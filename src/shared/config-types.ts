// The Worker's configuration as parsed (src/shared/config.ts parseConfig): what the Worker, the SKU
// object and the payment providers read, never a raw variable. Types only, so the sub-parsers
// (config-sections.ts) return parts of it without importing the parser that calls them.

import type { ReplayWindows } from "../domain/idempotency.ts";
import type { RateLimitConfig } from "../ratelimit/config.ts";

export interface CostConfig {
	billingScale: number;
	limitUsd: number;
	guardrailUsd: number;
}

export type PaymentSettings =
	| { provider: "simulated"; simLatencyMs: number }
	| { provider: "stripe"; secretKey: string; apiBase: string | undefined };

export interface Config {
	/** "local" enables the local-only helpers (the siteverify emulation); "production" by default. */
	environment: string;
	/** Null: unset, so every operator endpoint answers 403. */
	adminToken: string | null;
	/** Null: unset, so every session needs a real Turnstile token. */
	debugToken: string | null;
	turnstile: {
		siteKey: string;
		secretKey: string;
		verifyUrl: string | null;
		/** Hosts a token may have been solved on (TURNSTILE_HOSTNAMES); null: the request's own. */
		hostnames: string[] | null;
	};
	sessionTtlSeconds: number;
	/**
	 * How long Idempotency-Key outcomes of reserve attempts are answered again
	 * (src/domain/idempotency.ts): a hold's for the session lifetime past its
	 * expiresAt, a rejection's for IDEMPOTENCY_REJECTED_SECONDS.
	 */
	replayWindows: ReplayWindows;
	/** Hold length of products created without `holdSeconds`. */
	holdSeconds: number;
	/** Keys the HMAC of client IPs (src/worker/secrets.ts). */
	ipHashSecret: string;
	/**
	 * Bits of a client's IPv6 address that name it for every per-address limit and IP hash, even
	 * with RATE_LIMITS=off (the session's ipHash): src/domain/client-key.ts.
	 */
	ipv6PrefixBits: number;
	/** Null when RATE_LIMITS=off. */
	rateLimits: RateLimitConfig | null;
	cost: CostConfig;
	payment: PaymentSettings;
	paymentTimeoutMs: number;
	/**
	 * Null (the default): off. Else each SKU object lets this many reserve calls a
	 * second through and queues the rest — a local simulation of Cloudflare's
	 * per-object limit (docs/capacity.md), never a production setting.
	 */
	objectCallsPerSec: number | null;
	/** Live viewers one SKU object serves; the next upgrade is refused (src/inventory/live.ts). */
	maxLiveSockets: number;
	/** Of those, the sockets one client address holds open; its next upgrade is refused 429. */
	maxLiveSocketsPerAddress: number;
	/** A live socket that sent nothing this long may be closed with 4408 (src/inventory/live.ts). */
	liveIdleSeconds: number;
	/**
	 * Origins, besides the request's own, whose pages may open the live feed (LIVE_FEED_ORIGINS);
	 * an upgrade from any other page is refused 403 (src/worker/live-origin.ts).
	 */
	liveFeedOrigins: readonly string[];
	/**
	 * With ENVIRONMENT=local, the host names the API answers besides the loopback ones
	 * (LOCAL_HOSTS; src/worker/middleware/local-host.ts); null elsewhere, where nothing is checked.
	 */
	localHosts: readonly string[] | null;
	/**
	 * Under `npm run dev`, the secret its loopback front sends with every request it forwards
	 * (DEV_FRONT_SECRET; src/worker/middleware/dev-front.ts); null elsewhere, where nothing is asked.
	 */
	devFrontSecret: string | null;
}
