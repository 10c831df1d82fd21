// GET /api/config hands pages only public values; the siteverify emulation is
// closed outside ENVIRONMENT=local (this project runs with ENVIRONMENT=test).
import { describe, expect, it } from "vitest";
import { callWith } from "./cost-support.ts";
import { call } from "./helpers.ts";

describe("UI configuration", () => {
	it("serves the site key and says the local check is off", async () => {
		const res = await call<Record<string, unknown>>("GET", "/api/config");
		expect(res.status).toBe(200);
		expect(res.body.data).toEqual({
			turnstileSiteKey: "1x00000000000000000000AA",
			localTurnstile: false,
			paymentProvider: "simulated",
		});
		const text = JSON.stringify(res.body);
		expect(text).not.toContain("test-debug-token");
		expect(text).not.toContain("test-admin-token");
	});

	it("says the payment provider is Stripe when configured, so the storefront offers only Stripe's test methods", async () => {
		const res = await callWith(
			{ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_ui_config" },
			"GET",
			"/api/config",
		);
		expect(res.status).toBe(200);
		expect(res.body.data).toMatchObject({ paymentProvider: "stripe" });
		expect(JSON.stringify(res.body)).not.toContain("sk_test_ui_config");
	});

	it("does not emulate siteverify outside local mode", async () => {
		const res = await call("POST", "/__local/turnstile/siteverify", {
			rawBody: "secret=1x0000000000000000000000000000000AA&response=x",
			headers: { "content-type": "application/x-www-form-urlencoded" },
		});
		expect(res.status).toBe(404);
	});
});
