// The Worker's configuration, in one place: every variable it reads (wrangler.jsonc vars,
// secrets, local.vars, the environment of `npm start`), its default, its bounds, and one policy
// for a bad value — an error that names the variable. No silent fallback, no clamping: a typo in
// a limit must not quietly become the default or switch a limit off.
//
// Parsed once per environment object (configOf) by the Worker, which answers 503 while its
// configuration is invalid (src/worker/middleware/config.ts), and by the SKU object; `npm start`
// parses the same variables before it starts anything (scripts/config.ts). Every variable is
// documented in docs/configuration.md (a unit test keeps the two in step).
//
// Pure (zod and named limits only), so the Worker, the SKU object and the Node scripts share it.

import { z } from "zod";
import {
	DEFAULT_HOLD_SECONDS,
	DEFAULT_LIVE_IDLE_SECONDS,
	DEFAULT_MAX_LIVE_SOCKETS,
	DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
	DEFAULT_SESSION_TTL_SECONDS,
	IDEMPOTENCY_REJECTED_SECONDS,
	LIVE_IDLE_SECONDS_CEILING,
	LIVE_SOCKETS_CEILING,
	MAX_HOLD_SECONDS,
	MAX_OBJECT_CALLS_PER_SEC,
	MIN_HOLD_SECONDS,
	RATE_LIMIT_READS,
	RATE_LIMIT_RESERVE,
	RATE_LIMIT_RESERVE_NEW,
	RATE_LIMIT_RESERVE_SUSPECTED,
	RATE_LIMIT_RESET,
	RATE_LIMIT_ROOM_TICKETS,
	RATE_LIMIT_ROOM_TICKETS_IPV4,
	RATE_LIMIT_SANDBOX,
	RATE_LIMIT_SANDBOX_IP,
	RATE_LIMIT_SESSIONS,
	RATE_LIMIT_WINDOW_SECONDS,
	RATE_LIMIT_WRITES,
} from "../domain/bounds.ts";
import {
	DEFAULT_IPV6_PREFIX_BITS,
	MAX_IPV6_PREFIX_BITS,
	MIN_IPV6_PREFIX_BITS,
} from "../domain/client-key.ts";
import { MAX_PAYMENT_TIMEOUT_MS } from "../payment/provider.ts";
import { MAX_SIM_LATENCY_MS } from "../payment/simulated.ts";
import type { RateLimitConfig } from "../ratelimit/config.ts";
import { bearerTokenProblem } from "./bearer-token.ts";
import {
	decimal,
	hostnames,
	httpUrl,
	integer,
	isBlank,
	oneOf,
	originList,
	problem,
	secret,
	text,
} from "./config-fields.ts";
import {
	adminTokenProblem,
	clockProblem,
	debugTokenProblem,
	devFrontOutsideLocalProblem,
	localHostsTokenProblems,
	paymentProviderProblem,
	plainHttpProblems,
	turnstileProblems,
} from "./config-rules.ts";
import { paymentSettings, rateLimitsOf } from "./config-sections.ts";
import type { Config, PaymentSettings } from "./config-types.ts";
import { devFrontSecretProblem } from "./dev-front-secret.ts";

// The parsed configuration's types (config-types.ts): their readers import them from here.
export type { Config, CostConfig, PaymentSettings } from "./config-types.ts";

// ---- limits and defaults of the variables --------------------------------------------------

/** What an unset ENVIRONMENT means: the safe side (no local-only helpers). */
export const DEFAULT_ENVIRONMENT = "production";
/** A session outliving a month is a mistake, not a setting. */
export const MAX_SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
/** A rejection replayed for more than a day is no longer "a retry of a lost answer". */
export const MAX_IDEMPOTENCY_REJECTED_SECONDS = 24 * 60 * 60;
/** 32 characters: 128 bits or more of key, e.g. `openssl rand -hex 32` (64 characters). */
export const MIN_IP_HASH_SECRET_LENGTH = 32;
/** A bad override must not switch a limit off by accident; these bound what a limit may be. */
export const MAX_RATE_LIMIT_COUNT = 1_000_000;
export const MAX_RATE_LIMIT_WINDOW_SECONDS = 3600;
/** Real spend = virtual × BILLING_SCALE: 1e-9 keeps any plausible demo at zero dollars. */
export const DEFAULT_BILLING_SCALE = 1e-9;
/** Real dollars a session may be billed: none. */
export const DEFAULT_DEMO_COST_LIMIT = 0;
/** Same as wrangler.jsonc, for environments that do not set the var. */
export const DEFAULT_GUARDRAIL_VIRTUAL_USD = 0.05;
/** How long a hold may stay CHECKOUT_PENDING (PAYMENT_TIMEOUT_MS), by default and at least. */
export const DEFAULT_CHECKOUT_TIMEOUT_MS = 20_000;
export const MIN_CHECKOUT_TIMEOUT_MS = 1_000;

// ---- one schema per kind of variable (config-fields.ts) -------------------------------------

const count = (fallback: number) => integer(0, MAX_RATE_LIMIT_COUNT, fallback);
const nonNegative = (fallback: number) => decimal({ min: 0 }, fallback);

/**
 * Every variable the Worker reads, and its parser. Keys are the variable names: the Worker's
 * `Env` takes their types from here (src/worker/env.ts), and `npm start` passes exactly these on.
 */
export const ConfigVarsSchema = z.object({
	ENVIRONMENT: text().transform((raw) => (isBlank(raw) ? DEFAULT_ENVIRONMENT : raw.trim())),
	// Refused when no request could ever present it (src/shared/bearer-token.ts).
	ADMIN_TOKEN: secret().transform((value, ctx) => {
		const wrong = value === null ? null : bearerTokenProblem(value);
		return wrong === null ? value : problem(ctx, wrong);
	}),
	DEBUG_TOKEN: secret(),
	TURNSTILE_SITE_KEY: text().transform((raw) => (isBlank(raw) ? "" : raw.trim())),
	TURNSTILE_SECRET_KEY: text().transform((raw) => (isBlank(raw) ? "" : raw.trim())),
	TURNSTILE_VERIFY_URL: httpUrl(),
	// The hosts a Turnstile token may have been solved on (siteverify's `hostname`); unset: the
	// request's own host (src/worker/siteverify-verdict.ts).
	TURNSTILE_HOSTNAMES: hostnames(),
	SESSION_TTL_SECONDS: integer(1, MAX_SESSION_TTL_SECONDS, DEFAULT_SESSION_TTL_SECONDS),
	HOLD_SECONDS: integer(MIN_HOLD_SECONDS, MAX_HOLD_SECONDS, DEFAULT_HOLD_SECONDS),
	IDEMPOTENCY_REJECTED_SECONDS: integer(
		0,
		MAX_IDEMPOTENCY_REJECTED_SECONDS,
		IDEMPOTENCY_REJECTED_SECONDS,
	),
	IP_HASH_SECRET: secret().transform((value, ctx) => {
		if (value === null || value.length >= MIN_IP_HASH_SECRET_LENGTH) return value;
		return problem(
			ctx,
			`must be at least ${MIN_IP_HASH_SECRET_LENGTH} characters (e.g. the output of \`openssl rand -hex 32\`); it has ${value.length}`,
		);
	}),
	RATE_LIMITS: oneOf(["on", "off"], "on"),
	RATE_LIMIT_WINDOW_SECONDS: decimal(
		{ above: 0, max: MAX_RATE_LIMIT_WINDOW_SECONDS },
		RATE_LIMIT_WINDOW_SECONDS,
	),
	RATE_LIMIT_RESERVE: count(RATE_LIMIT_RESERVE),
	RATE_LIMIT_RESERVE_NEW: count(RATE_LIMIT_RESERVE_NEW),
	RATE_LIMIT_RESERVE_SUSPECTED: count(RATE_LIMIT_RESERVE_SUSPECTED),
	RATE_LIMIT_WRITES: count(RATE_LIMIT_WRITES),
	RATE_LIMIT_READS: count(RATE_LIMIT_READS),
	RATE_LIMIT_RESET: count(RATE_LIMIT_RESET),
	RATE_LIMIT_SESSIONS: count(RATE_LIMIT_SESSIONS),
	RATE_LIMIT_ROOM_TICKETS: count(RATE_LIMIT_ROOM_TICKETS),
	RATE_LIMIT_ROOM_TICKETS_IPV4: count(RATE_LIMIT_ROOM_TICKETS_IPV4),
	RATE_LIMIT_SANDBOX: count(RATE_LIMIT_SANDBOX),
	RATE_LIMIT_SANDBOX_IP: count(RATE_LIMIT_SANDBOX_IP),
	// How much of a client's IPv6 address names it for every per-address limit and IP hash
	// (src/domain/client-key.ts); IPv4 addresses are always exact.
	RATE_LIMIT_IPV6_PREFIX: integer(
		MIN_IPV6_PREFIX_BITS,
		MAX_IPV6_PREFIX_BITS,
		DEFAULT_IPV6_PREFIX_BITS,
	),
	// Tests only: whose clock times the limits (src/ratelimit/config.ts, RateLimitClock).
	RATE_LIMIT_CLOCK: oneOf(["system", "request"], "system"),
	DEMO_COST_LIMIT: nonNegative(DEFAULT_DEMO_COST_LIMIT),
	BILLING_SCALE: nonNegative(DEFAULT_BILLING_SCALE),
	GUARDRAIL_VIRTUAL_USD: nonNegative(DEFAULT_GUARDRAIL_VIRTUAL_USD),
	// Null when unset: the simulated provider locally and in tests, refused elsewhere (config-rules.ts).
	PAYMENT_PROVIDER: oneOf(["simulated", "stripe"], null),
	PAYMENT_SIM_LATENCY_MS: decimal({ min: 0, max: MAX_SIM_LATENCY_MS }, 0),
	PAYMENT_TIMEOUT_MS: integer(
		MIN_CHECKOUT_TIMEOUT_MS,
		MAX_PAYMENT_TIMEOUT_MS,
		DEFAULT_CHECKOUT_TIMEOUT_MS,
	),
	STRIPE_SECRET_KEY: secret(),
	STRIPE_API_BASE: httpUrl(),
	// A simulation of Cloudflare's per-object request limit, for the shards bench (src/inventory/call-gate.ts).
	OBJECT_CALLS_PER_SEC: integer(0, MAX_OBJECT_CALLS_PER_SEC, 0),
	// Live viewers one SKU object serves before it refuses the upgrade (src/inventory/live.ts). At
	// least 1: 0 would refuse every feed, where OBJECT_CALLS_PER_SEC's 0 means "no limit".
	MAX_LIVE_SOCKETS: integer(1, LIVE_SOCKETS_CEILING, DEFAULT_MAX_LIVE_SOCKETS),
	// Of those, the sockets one client address holds open at once (src/inventory/live.ts).
	MAX_LIVE_SOCKETS_PER_ADDRESS: integer(
		1,
		LIVE_SOCKETS_CEILING,
		DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
	),
	// A live socket silent this long may be closed to free its place (src/inventory/live.ts).
	LIVE_IDLE_SECONDS: integer(1, LIVE_IDLE_SECONDS_CEILING, DEFAULT_LIVE_IDLE_SECONDS),
	// Pages of other origins than the Worker's own that may open the live feed (worker/live-origin.ts).
	LIVE_FEED_ORIGINS: originList(),
	// With ENVIRONMENT=local, host names the API answers besides loopback ones (worker/middleware/local-host.ts).
	LOCAL_HOSTS: hostnames(),
	// Drawn by `npm run dev` at each start: the Worker answers only requests its loopback front
	// forwards with it (src/shared/dev-front-secret.ts). Never read from the environment
	// (scripts/config.ts), refused outside local/test (config-rules.ts).
	DEV_FRONT_SECRET: secret().transform((value, ctx) => {
		const wrong = value === null ? null : devFrontSecretProblem(value);
		return wrong === null ? value : problem(ctx, wrong);
	}),
});

/** The variables as they arrive: every one an optional string. */
export type ConfigVars = z.input<typeof ConfigVarsSchema>;
type Parsed = z.output<typeof ConfigVarsSchema>;

export type ConfigVarName = keyof ConfigVars;
export const CONFIG_VARS = Object.keys(ConfigVarsSchema.shape) as ConfigVarName[];

// ---- parsing -------------------------------------------------------------------------------

/** A configuration that cannot be served: one line naming each variable and what is wrong. */
export class ConfigError extends Error {
	override readonly name = "ConfigError";
	readonly problems: readonly string[];
	// No parameter properties: Node runs this file with type stripping only (scripts/config.ts).
	constructor(problems: readonly string[]) {
		super(`Invalid configuration: ${problems.join("; ")}.`);
		this.problems = problems;
	}
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: ConfigError };

const IP_HASH_SECRET_MISSING =
	"is not set: it keys the hash of client IPs (production: `wrangler secret put IP_HASH_SECRET` with the output of `openssl rand -hex 32`; `npm start` and `npm run dev` generate a local one)";

function problemsOf(error: z.ZodError): string[] {
	return error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`);
}

/** Parses the variables (other keys, the bindings, are ignored). Never throws. */
export function parseConfig(vars: Readonly<Record<string, unknown>>): ConfigResult {
	const parsed = ConfigVarsSchema.safeParse(vars);
	if (!parsed.success) return { ok: false, error: new ConfigError(problemsOf(parsed.error)) };
	const v: Parsed = parsed.data;
	const problems: string[] = [];
	const clock = clockProblem(v);
	if (clock !== null) problems.push(clock);
	if (v.IP_HASH_SECRET === null) problems.push(`IP_HASH_SECRET ${IP_HASH_SECRET_MISSING}`);
	problems.push(...turnstileProblems(v));
	const rules = [
		debugTokenProblem,
		devFrontOutsideLocalProblem,
		adminTokenProblem,
		paymentProviderProblem,
	];
	for (const rule of rules) {
		const wrong = rule(v);
		if (wrong !== null) problems.push(wrong);
	}
	problems.push(...plainHttpProblems(v));
	problems.push(...localHostsTokenProblems(v));
	const payment = paymentSettings(v, problems);
	if (payment === null || v.IP_HASH_SECRET === null || problems.length > 0)
		return { ok: false, error: new ConfigError(problems) };
	return {
		ok: true,
		config: {
			environment: v.ENVIRONMENT,
			adminToken: v.ADMIN_TOKEN,
			debugToken: v.DEBUG_TOKEN,
			turnstile: {
				siteKey: v.TURNSTILE_SITE_KEY,
				secretKey: v.TURNSTILE_SECRET_KEY,
				verifyUrl: v.TURNSTILE_VERIFY_URL,
				hostnames: v.TURNSTILE_HOSTNAMES,
			},
			sessionTtlSeconds: v.SESSION_TTL_SECONDS,
			replayWindows: {
				holdMarginMs: v.SESSION_TTL_SECONDS * 1000,
				rejectedMs: v.IDEMPOTENCY_REJECTED_SECONDS * 1000,
			},
			holdSeconds: v.HOLD_SECONDS,
			ipHashSecret: v.IP_HASH_SECRET,
			ipv6PrefixBits: v.RATE_LIMIT_IPV6_PREFIX,
			rateLimits: rateLimitsOf(v),
			cost: {
				billingScale: v.BILLING_SCALE,
				limitUsd: v.DEMO_COST_LIMIT,
				guardrailUsd: v.GUARDRAIL_VIRTUAL_USD,
			},
			payment,
			paymentTimeoutMs: v.PAYMENT_TIMEOUT_MS,
			objectCallsPerSec: v.OBJECT_CALLS_PER_SEC === 0 ? null : v.OBJECT_CALLS_PER_SEC,
			maxLiveSockets: v.MAX_LIVE_SOCKETS,
			maxLiveSocketsPerAddress: v.MAX_LIVE_SOCKETS_PER_ADDRESS,
			liveIdleSeconds: v.LIVE_IDLE_SECONDS,
			liveFeedOrigins: v.LIVE_FEED_ORIGINS,
			localHosts: v.ENVIRONMENT === "local" ? (v.LOCAL_HOSTS ?? []) : null,
			devFrontSecret: v.DEV_FRONT_SECRET,
		},
	};
}

const RateLimitVarsSchema = ConfigVarsSchema.pick({
	RATE_LIMITS: true,
	RATE_LIMIT_WINDOW_SECONDS: true,
	RATE_LIMIT_RESERVE: true,
	RATE_LIMIT_RESERVE_NEW: true,
	RATE_LIMIT_RESERVE_SUSPECTED: true,
	RATE_LIMIT_WRITES: true,
	RATE_LIMIT_READS: true,
	RATE_LIMIT_RESET: true,
	RATE_LIMIT_SESSIONS: true,
	RATE_LIMIT_ROOM_TICKETS: true,
	RATE_LIMIT_ROOM_TICKETS_IPV4: true,
	RATE_LIMIT_SANDBOX: true,
	RATE_LIMIT_SANDBOX_IP: true,
	RATE_LIMIT_IPV6_PREFIX: true,
	RATE_LIMIT_CLOCK: true,
	ENVIRONMENT: true,
});
/** RATE_LIMITS and the RATE_LIMIT_* overrides (and ENVIRONMENT, for RATE_LIMIT_CLOCK), as they arrive. */
export type RateLimitVars = z.input<typeof RateLimitVarsSchema>;

/** The rate-limit variables alone (null when RATE_LIMITS=off); throws a ConfigError naming a bad one. */
export function rateLimitConfig(vars: RateLimitVars): RateLimitConfig | null {
	const parsed = RateLimitVarsSchema.safeParse(vars);
	if (!parsed.success) throw new ConfigError(problemsOf(parsed.error));
	const clock = clockProblem(parsed.data);
	if (clock !== null) throw new ConfigError([clock]);
	return rateLimitsOf(parsed.data);
}

const PaymentVarsSchema = ConfigVarsSchema.pick({
	PAYMENT_PROVIDER: true,
	PAYMENT_SIM_LATENCY_MS: true,
	STRIPE_SECRET_KEY: true,
	STRIPE_API_BASE: true,
});
export type PaymentVars = z.input<typeof PaymentVarsSchema>;

/** The payment variables alone, with the same rules and messages (src/payment/index.ts). */
export function parsePaymentVars(vars: PaymentVars): PaymentSettings {
	const parsed = PaymentVarsSchema.safeParse(vars);
	if (!parsed.success) throw new ConfigError(problemsOf(parsed.error));
	const problems: string[] = [];
	const settings = paymentSettings(parsed.data as Parsed, problems);
	if (settings === null) throw new ConfigError(problems);
	return settings;
}

const cache = new WeakMap<object, ConfigResult>();

/**
 * The configuration of one environment object, parsed on first use and kept for the object's
 * life: workerd hands an isolate (and each Durable Object) the same `env` on every call, so this
 * parses once per isolate or object. A failure is logged once and kept too.
 */
export function configOf(env: object): ConfigResult {
	const known = cache.get(env);
	if (known !== undefined) return known;
	const result = parseConfig(env as Record<string, unknown>);
	if (!result.ok) console.error(result.error.message);
	cache.set(env, result);
	return result;
}
