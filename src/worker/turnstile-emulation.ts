// Turnstile siteverify, emulated for offline local runs (ENVIRONMENT=local only):
// the rules, used by src/worker/turnstile.ts and served over HTTP by routes/turnstile-local.ts.
// The real script and siteverify cannot be reached without a network, so local
// runs verify the way Cloudflare documents its test keys
// (developers.cloudflare.com/turnstile/troubleshooting/testing/): the test site
// keys produce the dummy token, and the test secret keys decide the outcome —
// 1x… always passes ("accepts any response token"), 2x… always fails, 3x…
// answers "token already spent". Any other secret is not emulated: it goes to the
// real siteverify, so a real key is never silently accepted.

import type { Config } from "../shared/config.ts";
import { TURNSTILE_TEST_SECRETS } from "../shared/turnstile.ts";

const MAX_TOKEN_LENGTH = 2048;

/** siteverify's JSON, the fields a client reads. */
export interface SiteverifyResult {
	success: boolean;
	"error-codes": string[];
	challenge_ts?: string;
	hostname?: string;
}

export function isTestSecret(secret: string): boolean {
	return Object.hasOwn(TURNSTILE_TEST_SECRETS, secret);
}

export function isLocal(config: Pick<Config, "environment">): boolean {
	return config.environment === "local";
}

export function emulateSiteverify(secret: string, token: string, nowMs: number): SiteverifyResult {
	const behaviour = TURNSTILE_TEST_SECRETS[secret];
	if (behaviour === undefined) return { success: false, "error-codes": ["invalid-input-secret"] };
	if (token === "" || token.length > MAX_TOKEN_LENGTH) {
		return { success: false, "error-codes": ["invalid-input-response"] };
	}
	if (behaviour === "fail") return { success: false, "error-codes": ["invalid-input-response"] };
	if (behaviour === "spent") return { success: false, "error-codes": ["timeout-or-duplicate"] };
	return {
		success: true,
		"error-codes": [],
		challenge_ts: new Date(nowMs).toISOString(),
		hostname: "localhost",
	};
}
