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
	ADMIN_TOKEN: string | null;
	RATE_LIMIT_CLOCK: RateLimitClock;
	/** Null when unset: outside local/test it has to be chosen (paymentProviderProblem). */
	PAYMENT_PROVIDER: "simulated" | "stripe" | null;
	TURNSTILE_VERIFY_URL: string | null;
	STRIPE_API_BASE: string | null;
	/** Host names a local server answers besides loopback ones; null when unset. */
	LOCAL_HOSTS: string[] | null;
	/** The secret of `npm run dev`'s loopback front; null when unset. */
	DEV_FRONT_SECRET: string | null;
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

/**
 * DEV_FRONT_SECRET belongs to `npm run dev` (scripts/dev.ts draws it at each start). Deployed, it
 * would make the Worker refuse every request Cloudflare routes to it, none of which carries the
 * front's header: refused at start like the other local-only variables, rather than a deploy that
 * answers nothing but 403.
 */
export function devFrontOutsideLocalProblem(
	v: Pick<ParsedVars, "DEV_FRONT_SECRET" | "ENVIRONMENT">,
): string | null {
	if (v.DEV_FRONT_SECRET === null || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	return `DEV_FRONT_SECRET is set, which is for \`npm run dev\`'s loopback front: it needs ENVIRONMENT local or test, not ${JSON.stringify(v.ENVIRONMENT)} (unset it)`;
}

/** RATE_LIMIT_CLOCK=request anywhere else would let a client pick its own time: refused. */
export function clockProblem(
	v: Pick<ParsedVars, "RATE_LIMIT_CLOCK" | "ENVIRONMENT">,
): string | null {
	if (v.RATE_LIMIT_CLOCK !== "request" || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	return `RATE_LIMIT_CLOCK=request is for tests: it needs ENVIRONMENT local or test, not ${JSON.stringify(v.ENVIRONMENT)}`;
}

/**
 * The simulated provider marks every checkout PAID and moves no money, so a deploy that never
 * named a provider would sell every unit for nothing to whoever sends `pm_card_visa`. Outside
 * local/test the provider is therefore a choice the operator writes down: `stripe` to take
 * payments, or `simulated` for a demo that says so (docs/decisions/164-production-refuses-unsafe-configuration.md).
 */
export function paymentProviderProblem(
	v: Pick<ParsedVars, "PAYMENT_PROVIDER" | "ENVIRONMENT">,
): string | null {
	if (v.PAYMENT_PROVIDER !== null || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	return `PAYMENT_PROVIDER is not set, and with ENVIRONMENT ${JSON.stringify(v.ENVIRONMENT)} it must be chosen: "stripe" (with STRIPE_SECRET_KEY) to take payments, or "simulated" for a demo in which every checkout is PAID and no money moves`;
}

/** 128 bits or more of key, as IP_HASH_SECRET: e.g. `openssl rand -hex 32` (64 characters). */
export const MIN_ADMIN_TOKEN_CHARS = 32;
/** Fewer different characters than this is a pattern (`aaaa…`, `abab…`), not a random token. */
export const MIN_ADMIN_TOKEN_DISTINCT_CHARS = 8;
/**
 * Tokens anyone who reads this repository knows: local.vars' (what `npm start` uses), the tests'
 * (vitest.config.ts, test/support/server.ts), and the 64-hex "strong" tokens tests once committed
 * (the SHA-256 of "foo", "test" and "password": well known beyond this repository too, and long
 * and varied enough to pass every other rule). test/unit/config-production.test.ts keeps the list
 * in step with local.vars and every test file.
 */
export const COMMITTED_TOKENS: readonly string[] = [
	"local-admin-token",
	"local-debug-token",
	"test-admin-token",
	"test-debug-token",
	"node-test-admin",
	"node-test-debug",
	"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
];

/**
 * LOCAL_HOSTS makes a local server answer names besides loopback ones: a hosts-file alias, or a
 * tunnel that puts it on the internet. Everyone who reaches it there would run the operator's
 * routes with its ADMIN_TOKEN and skip the human check with its DEBUG_TOKEN, so with LOCAL_HOSTS
 * set both must be as strong as production's operator token: not committed (local.vars', the
 * tests'), long and varied, which also refuses the README's `ADMIN_TOKEN=a` example. A server
 * others can reach needs tokens of its own (docs/decisions/164-production-refuses-unsafe-configuration.md,
 * docs/decisions/179-review-33s-findings.md).
 */
export function localHostsTokenProblems(
	v: Pick<ParsedVars, "ENVIRONMENT" | "LOCAL_HOSTS" | "ADMIN_TOKEN" | "DEBUG_TOKEN">,
): string[] {
	if (v.ENVIRONMENT !== "local" || v.LOCAL_HOSTS === null || v.LOCAL_HOSTS.length === 0) return [];
	const where = "with LOCAL_HOSTS set";
	const why =
		"the names it lists (a tunnel above all) let others reach this server, and anyone who reads the code or guesses it";
	const tokens = [
		["ADMIN_TOKEN", v.ADMIN_TOKEN, "could run the operator's routes", "or leave LOCAL_HOSTS unset"],
		[
			"DEBUG_TOKEN",
			v.DEBUG_TOKEN,
			"could skip the human check",
			"or set DEBUG_TOKEN= to turn it off",
		],
	] as const;
	const problems: string[] = [];
	for (const [name, token, could, otherwise] of tokens) {
		const weak = token === null ? null : weakTokenProblem(token);
		if (weak === null) continue;
		const what =
			weak === "committed"
				? `${name} is a token committed in this repository, refused ${where}`
				: `${name} ${weakTokenRule(weak)} ${where}`;
		problems.push(
			`${what}: ${why} ${could} (set ${name} to the output of \`openssl rand -hex 32\`, ${otherwise})`,
		);
	}
	return problems;
}

/** How a token falls short of guarding what others can reach: known to all, short, or a pattern. */
type WeakToken = "committed" | "short" | "patterned";

function weakTokenProblem(token: string): WeakToken | null {
	if (COMMITTED_TOKENS.includes(token)) return "committed";
	if (token.length < MIN_ADMIN_TOKEN_CHARS) return "short";
	if (new Set(token).size < MIN_ADMIN_TOKEN_DISTINCT_CHARS) return "patterned";
	return null;
}

/** The rule a short or patterned token breaks, worded to follow the variable's name. */
function weakTokenRule(weak: "short" | "patterned"): string {
	return weak === "short"
		? `must be at least ${MIN_ADMIN_TOKEN_CHARS} characters`
		: `must have at least ${MIN_ADMIN_TOKEN_DISTINCT_CHARS} different characters`;
}

/**
 * The operator's token drives every operator route (create, patch, reset), and a wrong guess
 * costs only the address's request budget, from each isolate it reaches. Outside local/test it
 * must therefore not be a committed one, and must be long and varied enough that guessing is
 * hopeless. Unset stays allowed: every operator route then answers 403. Never echoes the token.
 */
export function adminTokenProblem(
	v: Pick<ParsedVars, "ADMIN_TOKEN" | "ENVIRONMENT">,
): string | null {
	const token = v.ADMIN_TOKEN;
	if (token === null || TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return null;
	const where = `with ENVIRONMENT ${JSON.stringify(v.ENVIRONMENT)}`;
	const fix = "(`wrangler secret put ADMIN_TOKEN` with the output of `openssl rand -hex 32`)";
	const weak = weakTokenProblem(token);
	if (weak === "committed")
		return `ADMIN_TOKEN is a token committed in this repository (local.vars or the tests), refused ${where}: anyone who reads the code could run the operator's routes ${fix}`;
	if (weak === "short")
		return `ADMIN_TOKEN ${weakTokenRule(weak)} ${where}; it has ${token.length} ${fix}`;
	if (weak === "patterned")
		return `ADMIN_TOKEN ${weakTokenRule(weak)} ${where}: a repeated pattern is guessed first ${fix}`;
	return null;
}

/**
 * The URLs a secret is sent to: siteverify gets TURNSTILE_SECRET_KEY in the body, Stripe's API
 * STRIPE_SECRET_KEY in a header. Over http anyone on the path reads them, so outside local/test
 * (where they point at stand-ins on this machine) they must be https.
 */
export function plainHttpProblems(
	v: Pick<ParsedVars, "TURNSTILE_VERIFY_URL" | "STRIPE_API_BASE" | "ENVIRONMENT">,
): string[] {
	if (TEST_ENVIRONMENTS.has(v.ENVIRONMENT)) return [];
	const problems: string[] = [];
	const urls = [
		["TURNSTILE_VERIFY_URL", v.TURNSTILE_VERIFY_URL, "TURNSTILE_SECRET_KEY"],
		["STRIPE_API_BASE", v.STRIPE_API_BASE, "STRIPE_SECRET_KEY"],
	] as const;
	for (const [name, url, secret] of urls) {
		if (url?.startsWith("http:"))
			problems.push(
				`${name} must be an https URL with ENVIRONMENT ${JSON.stringify(v.ENVIRONMENT)}: ${secret} is sent to it, and over http anyone on the path reads it (http is for stand-ins with ENVIRONMENT local or test)`,
			);
	}
	return problems;
}
