// DEV_FRONT_SECRET, the secret `npm run dev`'s loopback front sends to the Worker
// (src/shared/dev-front-secret.ts, docs/decisions/182-wrangler-devs-port-answers-only-the-front.md):
// taken with ENVIRONMENT local or test, refused anywhere else (a deploy would refuse every request)
// and when it is too short or no header could carry it. Never echoed in a message.
import { describe, expect, it } from "vitest";
import { type ConfigVars, parseConfig } from "../../src/shared/config.ts";
import { randomHexToken } from "../support/random.ts";

/** What production needs besides the rule under test. */
const DEPLOY: ConfigVars = {
	IP_HASH_SECRET: "unit-test-ip-hash-secret-0123456789abcdef",
	TURNSTILE_SITE_KEY: "0x4AAAAAAAunitTestSiteKey",
	TURNSTILE_SECRET_KEY: "0x4AAAAAAAunitTestSecretKey0123456789",
	PAYMENT_PROVIDER: "simulated",
};

function refusal(vars: ConfigVars): string {
	const result = parseConfig(vars);
	if (result.ok) throw new Error("expected the configuration to be refused");
	return result.error.message;
}

describe("DEV_FRONT_SECRET", () => {
	it("is taken locally and in tests, and unset means no front is asked for", () => {
		const secret = randomHexToken();
		for (const ENVIRONMENT of ["local", "test"]) {
			const taken = parseConfig({ ...DEPLOY, ENVIRONMENT, DEV_FRONT_SECRET: secret });
			expect(taken.ok && taken.config.devFrontSecret).toBe(secret);
			for (const unset of [undefined, "", "  "]) {
				const none = parseConfig({ ...DEPLOY, ENVIRONMENT, DEV_FRONT_SECRET: unset });
				expect(none.ok && none.config.devFrontSecret).toBeNull();
			}
		}
	});

	it("is refused outside local and test, an unset ENVIRONMENT included, naming it and not its value", () => {
		const secret = randomHexToken();
		for (const ENVIRONMENT of ["production", undefined, "staging"]) {
			const message = refusal({ ...DEPLOY, ENVIRONMENT, DEV_FRONT_SECRET: secret });
			expect(message).toMatch(
				/DEV_FRONT_SECRET is set, which is for `npm run dev`'s loopback front/,
			);
			expect(message).not.toContain(secret);
		}
	});

	it("is refused when shorter than 32 characters or not a header value", () => {
		for (const bad of ["a1".repeat(15), `${"a1".repeat(20)} x`, `${"a1".repeat(20)}é`]) {
			const message = refusal({ ...DEPLOY, ENVIRONMENT: "local", DEV_FRONT_SECRET: bad });
			expect(message).toMatch(/DEV_FRONT_SECRET must be 32 to 512 visible ASCII characters/);
			expect(message).not.toContain(bad);
		}
		const longest = parseConfig({
			...DEPLOY,
			ENVIRONMENT: "local",
			DEV_FRONT_SECRET: "a1".repeat(256),
		});
		expect(longest.ok).toBe(true);
		const tooLong = { ...DEPLOY, ENVIRONMENT: "local", DEV_FRONT_SECRET: `${"a1".repeat(256)}b` };
		expect(refusal(tooLong)).toMatch(/DEV_FRONT_SECRET must be 32 to 512/);
	});
});
