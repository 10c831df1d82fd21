// Turnstile's documented test values (developers.cloudflare.com/turnstile/troubleshooting/testing/).
// Public by design: the test site keys hand this token to every page that shows them.

/** The response token produced by Turnstile's test site keys. Production secret keys reject it. */
export const TURNSTILE_DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

/** Turnstile's test site keys: always pass / always fail, visible and invisible, and a forced challenge. */
export const TURNSTILE_TEST_SITE_KEYS: readonly string[] = [
	"1x00000000000000000000AA",
	"2x00000000000000000000AB",
	"1x00000000000000000000BB",
	"2x00000000000000000000BB",
	"3x00000000000000000000FF",
];

/**
 * Turnstile's test secret keys and what siteverify answers for each: always pass, always
 * fail, "token already spent" (the local emulation, src/worker/turnstile-emulation.ts).
 */
export const TURNSTILE_TEST_SECRETS: Readonly<Record<string, "pass" | "fail" | "spent">> = {
	"1x0000000000000000000000000000000AA": "pass",
	"2x0000000000000000000000000000000AA": "fail",
	"3x0000000000000000000000000000000AA": "spent",
};

/** The test secret keys alone (refused outside local and test: src/shared/config.ts). */
export const TURNSTILE_TEST_SECRET_KEYS: readonly string[] = Object.keys(TURNSTILE_TEST_SECRETS);
