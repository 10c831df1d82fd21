// The local siteverify emulation follows Turnstile's documented test secrets.
import { describe, expect, it } from "vitest";
import { ConfigVarsSchema } from "../../src/shared/config.ts";
import { TURNSTILE_DUMMY_TOKEN } from "../../src/shared/turnstile.ts";
import { emulateSiteverify, isLocal, isTestSecret } from "../../src/worker/turnstile-emulation.ts";

const PASS = "1x0000000000000000000000000000000AA";
const FAIL = "2x0000000000000000000000000000000AA";
const SPENT = "3x0000000000000000000000000000000AA";

describe("emulateSiteverify", () => {
	it("passes the dummy token with the always-pass secret", () => {
		expect(emulateSiteverify(PASS, TURNSTILE_DUMMY_TOKEN, 0)).toMatchObject({
			success: true,
			"error-codes": [],
		});
	});

	it("fails it with the always-fail secret, and reports a spent token with the third", () => {
		expect(emulateSiteverify(FAIL, TURNSTILE_DUMMY_TOKEN, 0)).toEqual({
			success: false,
			"error-codes": ["invalid-input-response"],
		});
		expect(emulateSiteverify(SPENT, TURNSTILE_DUMMY_TOKEN, 0)).toEqual({
			success: false,
			"error-codes": ["timeout-or-duplicate"],
		});
	});

	it("never accepts a real (non-test) secret or an empty token", () => {
		expect(isTestSecret("0x4AAAAAAAreal-secret")).toBe(false);
		expect(emulateSiteverify("0x4AAAAAAAreal-secret", TURNSTILE_DUMMY_TOKEN, 0).success).toBe(
			false,
		);
		expect(emulateSiteverify(PASS, "", 0).success).toBe(false);
	});

	it("is on only for ENVIRONMENT=local", () => {
		// ENVIRONMENT as the configuration parses it (src/shared/config.ts).
		const env = (ENVIRONMENT?: string) => ({
			environment: ConfigVarsSchema.shape.ENVIRONMENT.parse(ENVIRONMENT),
		});
		expect(isLocal(env("local"))).toBe(true);
		expect(isLocal(env("production"))).toBe(false);
		expect(isLocal(env(undefined))).toBe(false);
	});
});
