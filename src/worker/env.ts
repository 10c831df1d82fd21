// The Worker's bindings and configuration (wrangler.jsonc, docs/api.md "Configuration").
// Written by hand rather than generated so it documents what each binding is for.

import type { InventoryObject } from "../inventory/object.ts";
import type { RateLimitVars } from "../limits/config.ts";
import type { RateLimiterObject } from "../limits/object.ts";
import type { CostLedgerObject } from "./cost/ledger-object.ts";

/** RateLimitVars: RATE_LIMIT_* overrides of the named limits (docs/rate-limits.md). */
export interface Env extends RateLimitVars {
	/** One object per SKU: the single serialisation point. */
	INVENTORY: DurableObjectNamespace<InventoryObject>;
	/** The permanent record: audit events, catalogue index, orders. */
	DB: D1Database;
	/** Buyer sessions with a TTL. */
	SESSIONS: KVNamespace;
	/** Exact per-IP limits (resets) and the edge's refusal totals (src/limits/object.ts). */
	LIMITER: DurableObjectNamespace<RateLimiterObject>;
	/** Static UI (Workers Static Assets). */
	ASSETS?: Fetcher;
	/** Analytics Engine: a no-op locally, D1 stays the record. */
	ANALYTICS?: AnalyticsEngineDataset;
	/** One small object per session holding its running modelled cost (worker/cost/ledger.ts). */
	LEDGER?: DurableObjectNamespace<CostLedgerObject>;

	ADMIN_TOKEN?: string;
	DEBUG_TOKEN?: string;
	TURNSTILE_SITE_KEY?: string;
	TURNSTILE_SECRET_KEY?: string;
	TURNSTILE_VERIFY_URL?: string;
	SESSION_TTL_SECONDS?: string;
	HOLD_SECONDS?: string;
	IP_HASH_SALT?: string;
	RATE_LIMITS?: string;
	DEMO_COST_LIMIT?: string;
	BILLING_SCALE?: string;
	GUARDRAIL_VIRTUAL_USD?: string;
	/** "local" enables the local-only helpers (e.g. the siteverify emulation). */
	ENVIRONMENT?: string;
	/** Checkout (docs/checkout.md): "simulated" (default) or "stripe". */
	PAYMENT_PROVIDER?: string;
	/** Simulated provider round trip in ms (default 0). */
	PAYMENT_SIM_LATENCY_MS?: string;
	/** How long a hold may stay CHECKOUT_PENDING, in ms (default 20000, 1000..60000). */
	PAYMENT_TIMEOUT_MS?: string;
	STRIPE_SECRET_KEY?: string;
	STRIPE_API_BASE?: string;
}

export const TURNSTILE_SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

export { numberVar } from "../shared/vars.ts";
