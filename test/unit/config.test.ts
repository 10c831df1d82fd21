// The one configuration schema (src/shared/config.ts): today's defaults when nothing is set,
// every bad value an error naming its variable (no fallback, no clamp), the IP hash secret
// required, parsed once per environment object, and docs/configuration.md in step with it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
	CONFIG_VARS,
	ConfigError,
	type ConfigVars,
	configOf,
	parseConfig,
	rateLimitConfig,
} from "../../src/shared/config.ts";
import {
	TURNSTILE_TEST_SECRET_KEYS,
	TURNSTILE_TEST_SITE_KEYS,
} from "../../src/shared/turnstile.ts";

const SECRET = "unit-test-ip-hash-secret-0123456789abcdef";
/** A Turnstile widget's own keys (not Turnstile's test keys), as production needs. */
const WIDGET = {
	TURNSTILE_SITE_KEY: "0x4AAAAAAAunitTestSiteKey",
	TURNSTILE_SECRET_KEY: "0x4AAAAAAAunitTestSecretKey0123456789",
};
/** Production needs a chosen payment provider (test/unit/config-production.test.ts). */
const base: ConfigVars = { IP_HASH_SECRET: SECRET, ...WIDGET, PAYMENT_PROVIDER: "simulated" };

function problems(vars: Record<string, unknown>): string {
	const result = parseConfig(vars);
	if (result.ok) throw new Error(`expected ${JSON.stringify(vars)} to be refused`);
	return result.error.message;
}

describe("parseConfig", () => {
	it("keeps today's defaults when nothing but the secrets (IP hash, the widget's keys) and the provider is set", () => {
		const result = parseConfig(base);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.config).toEqual({
			environment: "production",
			adminToken: null,
			debugToken: null,
			turnstile: {
				siteKey: WIDGET.TURNSTILE_SITE_KEY,
				secretKey: WIDGET.TURNSTILE_SECRET_KEY,
				verifyUrl: null,
				hostnames: null,
			},
			sessionTtlSeconds: 1200,
			replayWindows: { holdMarginMs: 1_200_000, rejectedMs: 300_000 },
			holdSeconds: 120,
			ipHashSecret: SECRET,
			ipv6PrefixBits: 64,
			rateLimits: {
				windowMs: 60_000,
				clock: "system",
				reserve: {
					windowMs: 60_000,
					verified: 200,
					new: 50,
					suspected: 1,
					flaggedForMs: 600_000,
					windowAtArrival: false,
				},
				writes: 100,
				reads: 1000,
				reset: 1,
				sessions: 30,
				roomTickets: 25,
				roomTicketsIpv4: 0,
				sandboxSession: 1000,
				sandbox: 2000,
			},
			cost: { billingScale: 1e-9, limitUsd: 0, guardrailUsd: 0.05 },
			payment: { provider: "simulated", simLatencyMs: 0 },
			paymentTimeoutMs: 20_000,
			objectCallsPerSec: null,
			maxLiveSockets: 5_000,
			maxLiveSocketsPerAddress: 50,
			liveIdleSeconds: 300,
			liveFeedOrigins: [],
			localHosts: null,
			devFrontSecret: null,
		});
	});

	it("reads every variable, blank meaning unset, and ignores the bindings beside them", () => {
		const result = parseConfig({
			...base,
			DB: {},
			INVENTORY: { get() {} },
			ENVIRONMENT: "local",
			ADMIN_TOKEN: "a",
			DEBUG_TOKEN: "",
			TURNSTILE_VERIFY_URL: "http://127.0.0.1:9/siteverify",
			SESSION_TTL_SECONDS: "60",
			IDEMPOTENCY_REJECTED_SECONDS: "0",
			HOLD_SECONDS: " 30 ",
			RATE_LIMITS: "OFF",
			BILLING_SCALE: "1000000",
			PAYMENT_PROVIDER: "stripe",
			STRIPE_SECRET_KEY: "sk_test_x",
			PAYMENT_TIMEOUT_MS: "60000",
			MAX_LIVE_SOCKETS: "2",
			RATE_LIMIT_IPV6_PREFIX: "48",
			TURNSTILE_HOSTNAMES: " Shop.Example.com, www.shop.example.com ,",
			MAX_LIVE_SOCKETS_PER_ADDRESS: "1",
			LIVE_IDLE_SECONDS: "5",
			LIVE_FEED_ORIGINS: " https://Shop.example/ ,http://shop.example:8080,",
		});
		expect(result.ok && result.config).toMatchObject({
			environment: "local",
			adminToken: "a",
			debugToken: null,
			turnstile: {
				verifyUrl: "http://127.0.0.1:9/siteverify",
				hostnames: ["shop.example.com", "www.shop.example.com"],
			},
			sessionTtlSeconds: 60,
			// A granted hold's outcome outlives it by the session lifetime (docs/decisions/009-idempotency-window.md).
			replayWindows: { holdMarginMs: 60_000, rejectedMs: 0 },
			holdSeconds: 30,
			rateLimits: null,
			// The client key applies with the limits off too (the session's IP hash).
			ipv6PrefixBits: 48,
			cost: { billingScale: 1_000_000 },
			payment: { provider: "stripe", secretKey: "sk_test_x", apiBase: undefined },
			paymentTimeoutMs: 60_000,
			maxLiveSockets: 2,
			maxLiveSocketsPerAddress: 1,
			liveIdleSeconds: 5,
			// As browsers send Origin: the host in lower case, no trailing slash.
			liveFeedOrigins: ["https://shop.example", "http://shop.example:8080"],
		});
	});

	it("refuses a bad value with a message naming the variable and what is wrong", () => {
		const cases: [Record<string, string>, RegExp][] = [
			[{ HOLD_SECONDS: "abc" }, /HOLD_SECONDS must be a whole number from 1 to 3600, got "abc"/],
			[{ HOLD_SECONDS: "0" }, /HOLD_SECONDS must be a whole number from 1 to 3600/],
			[{ HOLD_SECONDS: "3601" }, /HOLD_SECONDS must be a whole number/],
			[{ SESSION_TTL_SECONDS: "1.5" }, /SESSION_TTL_SECONDS must be a whole number/],
			[
				{ IDEMPOTENCY_REJECTED_SECONDS: "86401" },
				/IDEMPOTENCY_REJECTED_SECONDS must be a whole number from 0 to 86400/,
			],
			[{ RATE_LIMITS: "maybe" }, /RATE_LIMITS must be "on" or "off", got "maybe"/],
			[{ RATE_LIMIT_WINDOW_SECONDS: "0" }, /RATE_LIMIT_WINDOW_SECONDS must be a number above 0/],
			[{ RATE_LIMIT_RESERVE: "-5" }, /RATE_LIMIT_RESERVE must be a whole number from 0/],
			[{ BILLING_SCALE: "-1" }, /BILLING_SCALE must be a number at least 0, got "-1"/],
			[{ DEMO_COST_LIMIT: "free" }, /DEMO_COST_LIMIT must be a number/],
			[{ GUARDRAIL_VIRTUAL_USD: "Infinity" }, /GUARDRAIL_VIRTUAL_USD must be a number/],
			[
				{ PAYMENT_TIMEOUT_MS: "500" },
				/PAYMENT_TIMEOUT_MS must be a whole number from 1000 to 60000/,
			],
			[{ PAYMENT_SIM_LATENCY_MS: "soon" }, /PAYMENT_SIM_LATENCY_MS must be a number/],
			[{ PAYMENT_PROVIDER: "paypal" }, /PAYMENT_PROVIDER must be "simulated" or "stripe"/],
			[
				{ PAYMENT_PROVIDER: "stripe" },
				/STRIPE_SECRET_KEY is not set, and PAYMENT_PROVIDER=stripe needs it/,
			],
			[{ TURNSTILE_VERIFY_URL: "localhost:8787" }, /TURNSTILE_VERIFY_URL must be an http\(s\) URL/],
			[{ STRIPE_API_BASE: "ftp://x" }, /STRIPE_API_BASE must be an http\(s\) URL/],
			// 0 would refuse every viewer; above Cloudflare's per-object ceiling the platform would.
			[
				{ MAX_LIVE_SOCKETS: "0" },
				/MAX_LIVE_SOCKETS must be a whole number from 1 to 32768, got "0"/,
			],
			[{ MAX_LIVE_SOCKETS: "32769" }, /MAX_LIVE_SOCKETS must be a whole number from 1 to 32768/],
			[{ MAX_LIVE_SOCKETS: "5k" }, /MAX_LIVE_SOCKETS must be a whole number .*got "5k"/],
			// Coarser than a /48 would lump sites together; finer than 128 bits is no address.
			[
				{ RATE_LIMIT_IPV6_PREFIX: "47" },
				/RATE_LIMIT_IPV6_PREFIX must be a whole number from 48 to 128, got "47"/,
			],
			[{ RATE_LIMIT_IPV6_PREFIX: "129" }, /RATE_LIMIT_IPV6_PREFIX must be a whole number/],
			[
				{ TURNSTILE_HOSTNAMES: "https://shop.example.com" },
				/TURNSTILE_HOSTNAMES must list host names .*"https:\/\/shop.example.com" is not one/,
			],
			[
				{ TURNSTILE_HOSTNAMES: "shop.example.com:8443" },
				/TURNSTILE_HOSTNAMES must list host names/,
			],
			[
				{ MAX_LIVE_SOCKETS_PER_ADDRESS: "0" },
				/MAX_LIVE_SOCKETS_PER_ADDRESS must be a whole number from 1 to 32768, got "0"/,
			],
			[
				{ LIVE_IDLE_SECONDS: "0" },
				/LIVE_IDLE_SECONDS must be a whole number from 1 to 86400, got "0"/,
			],
			// An origin has no path, query or credentials, and is http(s): anything else is a typo.
			...[
				"shop.example",
				"https://shop.example/store",
				"https://shop.example?x",
				"ws://shop.example",
				"https://a@shop.example",
			].map((value): [Record<string, string>, RegExp] => [
				{ LIVE_FEED_ORIGINS: value },
				/LIVE_FEED_ORIGINS must list web origins such as "https:\/\/shop.example"/,
			]),
		];
		for (const [vars, message] of cases) {
			expect(problems({ ...base, ...vars }), JSON.stringify(vars)).toMatch(message);
		}
	});

	it("refuses an ADMIN_TOKEN no Authorization header could present, without echoing it", () => {
		const cases: [string, RegExp][] = [
			["a".repeat(513), /ADMIN_TOKEN must be at most 512 visible ASCII .*it has 513 characters/],
			["correct horse battery", /ADMIN_TOKEN must be .*it contains white space/],
			[" padded", /ADMIN_TOKEN must be .*white space/],
			["pässwort", /ADMIN_TOKEN must be .*outside visible ASCII/],
		];
		for (const [token, message] of cases) {
			const text = problems({ ...base, ADMIN_TOKEN: token });
			expect(text, token).toMatch(message);
			expect(text, token).not.toContain(token.trim());
			expect(text).not.toContain("\n");
		}
		// The longest token the edge reads still starts (varied, as production wants: one character
		// repeated is refused there, test/unit/config-production.test.ts); blank still means unset.
		const longestToken = "0123456789abcdef".repeat(32);
		const longest = parseConfig({ ...base, ADMIN_TOKEN: longestToken });
		expect(longest.ok && longest.config.adminToken).toBe(longestToken);
		const blank = parseConfig({ ...base, ADMIN_TOKEN: "  " });
		expect(blank.ok && blank.config.adminToken).toBeNull();
	});

	it("names every bad variable at once, in one line", () => {
		const message = problems({ ...base, HOLD_SECONDS: "x", RATE_LIMIT_READS: "1.5" });
		expect(message).toMatch(/^Invalid configuration: .*HOLD_SECONDS.*; .*RATE_LIMIT_READS.*\.$/);
		expect(message).not.toContain("\n");
	});

	it("refuses a non-string value (a JSON var) by name", () => {
		expect(problems({ ...base, HOLD_SECONDS: 120 })).toMatch(
			/HOLD_SECONDS must be a string, not number/,
		);
	});

	it("refuses to run without IP_HASH_SECRET, in production and anywhere else", () => {
		for (const ENVIRONMENT of ["production", undefined, "local", "test"]) {
			const message = problems({ ENVIRONMENT });
			expect(message).toMatch(/IP_HASH_SECRET is not set/);
			expect(message).toContain("wrangler secret put IP_HASH_SECRET");
		}
		expect(problems({ ENVIRONMENT: "production", IP_HASH_SECRET: "  " })).toMatch(
			/IP_HASH_SECRET is not set/,
		);
	});

	it("refuses production without a Turnstile secret or with Turnstile's test keys", () => {
		const { TURNSTILE_SECRET_KEY: _secret, ...siteOnly } = base;
		for (const ENVIRONMENT of ["production", undefined, "staging"]) {
			expect(problems({ ...siteOnly, ENVIRONMENT })).toMatch(
				/TURNSTILE_SECRET_KEY is not set: every human check would fail \(`wrangler secret put TURNSTILE_SECRET_KEY`/,
			);
			expect(problems({ ...base, ENVIRONMENT, TURNSTILE_SECRET_KEY: " " })).toMatch(
				/TURNSTILE_SECRET_KEY is not set/,
			);
			expect(problems({ ...base, ENVIRONMENT, TURNSTILE_SITE_KEY: "" })).toMatch(
				/TURNSTILE_SITE_KEY is not set/,
			);
			for (const key of TURNSTILE_TEST_SECRET_KEYS) {
				expect(problems({ ...base, ENVIRONMENT, TURNSTILE_SECRET_KEY: key })).toMatch(
					/TURNSTILE_SECRET_KEY is one of Turnstile's documented test secrets, refused with ENVIRONMENT "(production|staging)"/,
				);
			}
			for (const key of TURNSTILE_TEST_SITE_KEYS) {
				expect(problems({ ...base, ENVIRONMENT, TURNSTILE_SITE_KEY: key })).toMatch(
					/TURNSTILE_SITE_KEY is one of Turnstile's documented test site keys/,
				);
			}
		}
		// wrangler.jsonc's vars as committed (the always-pass test site key) and no secret put:
		// both named in one line.
		const asCommitted = problems({
			IP_HASH_SECRET: SECRET,
			ENVIRONMENT: "production",
			TURNSTILE_SITE_KEY: "1x00000000000000000000AA",
		});
		expect(asCommitted).toMatch(/TURNSTILE_SECRET_KEY is not set.*; TURNSTILE_SITE_KEY is one of/);
	});

	it("lets local runs and tests use Turnstile's test keys, or none", () => {
		for (const ENVIRONMENT of ["local", "test"]) {
			const testKeys = parseConfig({
				IP_HASH_SECRET: SECRET,
				ENVIRONMENT,
				TURNSTILE_SITE_KEY: "1x00000000000000000000AA",
				TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
			});
			expect(testKeys.ok).toBe(true);
			expect(parseConfig({ IP_HASH_SECRET: SECRET, ENVIRONMENT }).ok).toBe(true);
		}
	});

	it("refuses a DEBUG_TOKEN outside local and test, naming it without echoing it", () => {
		// A DEBUG_TOKEN skips Turnstile for whoever sends it: in production it is a bypass.
		for (const ENVIRONMENT of ["production", undefined, "staging"]) {
			const message = problems({ ...base, ENVIRONMENT, DEBUG_TOKEN: "guessable-debug" });
			expect(message).toMatch(/DEBUG_TOKEN is set.*needs ENVIRONMENT local or test/);
			expect(message).not.toContain("guessable-debug");
			// Unset, or blank (which means unset), is fine.
			expect(parseConfig({ ...base, ENVIRONMENT, DEBUG_TOKEN: " " }).ok).toBe(true);
		}
		for (const ENVIRONMENT of ["local", "test"])
			expect(parseConfig({ ...base, ENVIRONMENT, DEBUG_TOKEN: "d" }).ok).toBe(true);
	});

	it("refuses a short IP_HASH_SECRET without echoing it", () => {
		const message = problems({ IP_HASH_SECRET: "hunter2-hunter2" });
		expect(message).toMatch(/IP_HASH_SECRET must be at least 32 characters/);
		expect(message).not.toContain("hunter2");
	});

	it("is also what rateLimitConfig uses (same rules, same messages)", () => {
		expect(() => rateLimitConfig({ RATE_LIMIT_WRITES: "lots" })).toThrow(ConfigError);
		expect(() => rateLimitConfig({ RATE_LIMIT_WRITES: "lots" })).toThrow(/RATE_LIMIT_WRITES/);
		expect(() => rateLimitConfig({ RATE_LIMIT_SANDBOX_IP: "-1" })).toThrow(/RATE_LIMIT_SANDBOX_IP/);
		expect(rateLimitConfig({ RATE_LIMIT_SANDBOX: "20" })?.sandboxSession).toBe(20);
	});
});

describe("configOf", () => {
	it("parses once per environment object and keeps a failure too", () => {
		const env = { ...base, HOLD_SECONDS: "45" };
		const first = configOf(env);
		expect(configOf(env)).toBe(first);
		expect(first.ok && first.config.holdSeconds).toBe(45);
		// Another object is parsed on its own.
		const other = configOf({ ...env, HOLD_SECONDS: "46" });
		expect(other.ok && other.config.holdSeconds).toBe(46);
		const bad = { ...base, HOLD_SECONDS: "x" };
		const refused = configOf(bad);
		expect(refused.ok).toBe(false);
		expect(configOf(bad)).toBe(refused);
	});
});

describe("docs/configuration.md", () => {
	it("has a row for every variable of the schema, and none it does not know", () => {
		const text = readFileSync(
			fileURLToPath(new URL("../../docs/configuration.md", import.meta.url).href),
			"utf8",
		);
		const rows = [...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
		const local = ["PORT", "STATE_DIR"];
		expect(rows.filter((name) => !local.includes(name ?? "")).sort()).toEqual(
			[...CONFIG_VARS].sort(),
		);
	});
});
