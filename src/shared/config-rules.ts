// The cross-field rules of the configuration (src/shared/config.ts parseConfig): variables each
// valid alone that are refused together, because the Worker they would make looks healthy while
// it fails every buyer or lets a client skip a check. Each answers the problem in one line naming
// the variables, or nothing.

import type { RateLimitClock } from "../ratelimit/config.ts";
import { TURNSTILE_TEST_SECRET_KEYS, TURNSTILE_TEST_SITE_KEYS } from "./turnstile.ts";

/** The variables the rules read, as the schema parses them (config.ts ConfigVarsSchema). */
interface ParsedVars {
	ENVIRONMENT: string;
	TURNSTILE_SITE_KEY: string;
	TURNSTILE_SECRET_KEY: string;
	DEBUG_TOKEN: string | null;
	RATE_LIMIT_CLOCK: RateLimitClock;
}

/**
 * Outside local/test the human check must be able to pass: without a secret every siteverify
 * call fails, and with a test site key every widget hands out the dummy token, which real
 * secrets reject (a test secret would pass bots). Either way every buyer would get 403
 * `turnstile_failed` from a deploy that looked healthy, so it is refused at once instead.
 */
export function turnstileProblems(
	v: Pick<ParsedVars, "ENVIRONMENT" | "TURNSTILE_SITE_KEY" | "TURNSTILE_SECRET_KEY">,
): string[] {
	if (TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return [];
	const where = `ENVIRONMENT ${JSON.stringify(v.ENVIRONMENT)} (the test keys are for local or test)`;
	const problems: string[] = [];
	if (v.TURNSTILE_SECRET_KEY === "")
		problems.push(
			"TURNSTILE_SECRET_KEY is not set: every human check would fail (`wrangler secret put TURNSTILE_SECRET_KEY` with your widget's secret key)",
		);
	else if (TURNSTILE_TEST_SECRET_KEYS.includes(v.TURNSTILE_SECRET_KEY))
		problems.push(
			`TURNSTILE_SECRET_KEY is one of Turnstile's documented test secrets, refused with ${where}: use your widget's secret key`,
		);
	if (v.TURNSTILE_SITE_KEY === "")
		problems.push(
			"TURNSTILE_SITE_KEY is not set: the pages cannot show the human check (set your widget's site key in wrangler.jsonc vars)",
		);
	else if (TURNSTILE_TEST_SITE_KEYS.includes(v.TURNSTILE_SITE_KEY))
		problems.push(
			`TURNSTILE_SITE_KEY is one of Turnstile's documented test site keys, refused with ${where}: set your widget's site key in wrangler.jsonc vars`,
		);
	return problems;
}

/**
 * Environments for development and tests: a request may name the moment the limits judge it
 * at, and Turnstile may run on its test keys. Anything else, an unset or misspelt
 * ENVIRONMENT included, is treated as production.
 */
export const TEST_ENVIRONMENTS: ReadonlySet<string> = new Set(["local", "test"]);

/**
 * A DEBUG_TOKEN skips the human check for whoever sends it, so outside local/test it is a bypass
 * of Turnstile for anyone who learns or guesses it (local.vars commits a default). Refused like
 * Turnstile's test keys, rather than ignored: a variable that silently means nothing in one
 * environment is a trap for the next person reading the deploy's settings.
 */
export function debugTokenProblem(
	v: Pick<ParsedVars, "DEBUG_TOKEN" | "ENVIRONMENT">,
): string | null {
	if (v.DEBUG_TOKEN === null || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	return `DEBUG_TOKEN is set, which would let anyone who sends it skip the human check: it needs ENVIRONMENT local or test, not ${JSON.stringify(v.ENVIRONMENT)} (\`wrangler secret delete DEBUG_TOKEN\`, or unset it)`;
}

/** RATE_LIMIT_CLOCK=request anywhere else would let a client pick its own time: refused. */
export function clockProblem(
	v: Pick<ParsedVars, "RATE_LIMIT_CLOCK" | "ENVIRONMENT">,
): string | null {
	if (v.RATE_LIMIT_CLOCK !== "request" || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	return `RATE_LIMIT_CLOCK=request is for tests: it needs ENVIRONMENT local or test, not ${JSON.stringify(v.ENVIRONMENT)}`;
}
