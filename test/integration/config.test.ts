// An invalid configuration inside workerd: the real app with the project's bindings and one
// variable changed. The Worker serves nothing on it — every route, /healthz included, answers
// 503 `unavailable` naming the variable — and changes nothing; it never runs on a fallback.
import { describe, expect, it } from "vitest";
import { randomHexToken } from "../support/random.ts";
import { callWith, type Vars } from "./cost-support.ts";
import { ADMIN, uniqueSku } from "./helpers.ts";

async function refused(vars: Vars, variable: RegExp): Promise<void> {
	const sku = uniqueSku("CFG");
	const product = { sku, name: "N", priceCents: 100, currency: "USD", totalStock: 5 };
	const calls = [
		await callWith(vars, "GET", "/healthz"),
		await callWith(vars, "GET", "/api/products"),
		await callWith(vars, "GET", "/api/config"),
		await callWith(vars, "POST", "/api/sessions", { body: { turnstileToken: "x" } }),
		await callWith(vars, "POST", "/api/admin/products", { token: ADMIN, body: product }),
	];
	for (const res of calls) {
		expect(res.status).toBe(503);
		expect(res.body.error?.code).toBe("unavailable");
		expect(res.body.error?.message).toMatch(variable);
		// Only a redeploy helps, so no Retry-After invites a retry loop.
		expect(res.headers.get("retry-after")).toBeNull();
	}
	// With the configuration fixed, the product the refused create named does not exist.
	expect((await callWith({}, "GET", `/api/products/${sku}`)).status).toBe(404);
}

/** A Turnstile widget's own keys, which production needs (not Turnstile's test keys). */
const WIDGET: Vars = {
	TURNSTILE_SITE_KEY: "0x4AAAAAAAintegrationSiteKey",
	TURNSTILE_SECRET_KEY: "0x4AAAAAAAintegrationSecretKey0123456789",
};

/** An operator token production takes (`openssl rand -hex 32`), unlike the tests' committed one: drawn per run. */
const STRONG_ADMIN = randomHexToken();

describe("an invalid configuration", () => {
	it("production without IP_HASH_SECRET refuses to serve, saying how to set it", async () => {
		await refused(
			{ ENVIRONMENT: "production", IP_HASH_SECRET: undefined },
			/IP_HASH_SECRET is not set.*wrangler secret put IP_HASH_SECRET/,
		);
	});

	it("production on wrangler.jsonc's test site key, without a Turnstile secret, refuses to serve", async () => {
		// The project's vars carry wrangler.jsonc's always-pass test site key and no secret.
		await refused({ ENVIRONMENT: "production" }, /TURNSTILE_SECRET_KEY is not set/);
		await refused(
			{ ENVIRONMENT: "production" },
			/TURNSTILE_SITE_KEY is one of Turnstile's documented test site keys/,
		);
		await refused(
			{
				...WIDGET,
				ENVIRONMENT: "production",
				TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
			},
			/TURNSTILE_SECRET_KEY is one of Turnstile's documented test secrets/,
		);
	});

	it("production with a DEBUG_TOKEN refuses to serve, so the token cannot skip the human check", async () => {
		// The test environment's DEBUG_TOKEN stays set; the widget's own keys, so only it is wrong.
		await refused({ ...WIDGET, ENVIRONMENT: "production" }, /DEBUG_TOKEN is set/);
	});

	it("production without a chosen payment provider refuses to serve, so no checkout is PAID for nothing", async () => {
		// Everything else as production needs it: only PAYMENT_PROVIDER is missing.
		const deploy = { ...WIDGET, ENVIRONMENT: "production", DEBUG_TOKEN: undefined };
		await refused({ ...deploy, ADMIN_TOKEN: STRONG_ADMIN }, /PAYMENT_PROVIDER is not set/);
		// The test environment's committed operator token is refused there too, naming it.
		await refused(
			{ ...deploy, PAYMENT_PROVIDER: "simulated" },
			/ADMIN_TOKEN is a token committed in this repository/,
		);
	});

	it("a too-short IP_HASH_SECRET is refused", async () => {
		await refused({ IP_HASH_SECRET: "short" }, /IP_HASH_SECRET must be at least 32 characters/);
	});

	it("a bad HOLD_SECONDS is refused instead of falling back to 120", async () => {
		await refused(
			{ HOLD_SECONDS: "two minutes" },
			/HOLD_SECONDS must be a whole number from 1 to 3600/,
		);
	});

	it("a bad rate limit is refused instead of falling back to the default", async () => {
		await refused({ RATE_LIMITS: "on", RATE_LIMIT_RESERVE: "-1" }, /RATE_LIMIT_RESERVE/);
	});

	it("a negative billing scale is refused instead of clamped to zero", async () => {
		await refused({ BILLING_SCALE: "-1" }, /BILLING_SCALE must be a number at least 0/);
	});

	it("Stripe without its secret is refused before any checkout", async () => {
		await refused({ PAYMENT_PROVIDER: "stripe" }, /STRIPE_SECRET_KEY is not set/);
	});

	it("the same variables, valid, serve as usual", async () => {
		const res = await callWith(
			{
				HOLD_SECONDS: "45",
				ENVIRONMENT: "production",
				DEBUG_TOKEN: undefined,
				ADMIN_TOKEN: STRONG_ADMIN,
				PAYMENT_PROVIDER: "simulated",
				...WIDGET,
			},
			"GET",
			"/healthz",
		);
		expect(res.status).toBe(200);
		const sku = uniqueSku("CFG");
		const created = await callWith<{ holdSeconds: number }>(
			{ HOLD_SECONDS: "45" },
			"POST",
			"/api/admin/products",
			{ token: ADMIN, body: { sku, name: "N", priceCents: 100, currency: "USD", totalStock: 5 } },
		);
		expect(created.status).toBe(201);
		expect(created.body.data?.holdSeconds).toBe(45);
	});
});
