// Local configuration: defaults from local.vars, overridden by the process
// environment. Shared by `npm start`, the benchmarks and the tests.

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_VARS, ConfigError, type ConfigVarName, parseConfig } from "../src/shared/config.ts";
import { isBlank } from "../src/shared/config-fields.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Drawn by `npm run dev` at each start for its loopback front (scripts/dev.ts), never taken from
 * the environment or local.vars: `npm start` has no front, and a value someone chose is not the
 * per-start secret the front sends (src/shared/dev-front-secret.ts).
 */
export const PER_START_VARS: readonly ConfigVarName[] = ["DEV_FRONT_SECRET"];

/**
 * Every variable the Worker reads, and nothing else, is passed on: the names come from the
 * configuration schema (src/shared/config.ts), which also checks the values before a start.
 * Those a start draws itself (PER_START_VARS) are not read from the environment.
 */
export const WORKER_VARS: readonly ConfigVarName[] = CONFIG_VARS.filter(
	(name) => !PER_START_VARS.includes(name),
);

export function parseVars(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
		if (m?.[1] !== undefined && !line.trimStart().startsWith("#")) out[m[1]] = m[2] ?? "";
	}
	return out;
}

export function localVars(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const defaults = parseVars(readFileSync(new URL("../local.vars", import.meta.url), "utf8"));
	const vars: Record<string, string> = {};
	for (const key of WORKER_VARS) {
		const value = env[key] ?? defaults[key];
		if (value !== undefined) vars[key] = value;
	}
	return vars;
}

/** The local IP hash secret, kept beside the state it keys (STATE_DIR/ip-hash-secret). */
const LOCAL_SECRET_FILE = "ip-hash-secret";
const LOCAL_SECRET_BYTES = 32;

/**
 * IP_HASH_SECRET for a local run: made once per state directory from 32 random bytes and kept
 * there, so a restart hashes IPs as before and no committed value ever keys a hash (a public
 * salt would make the stored hashes reversible). Production sets its own with
 * `wrangler secret put IP_HASH_SECRET` (docs/configuration.md).
 */
export function localIpHashSecret(stateDir: string): string {
	const path = join(stateDir, LOCAL_SECRET_FILE);
	try {
		const kept = readFileSync(path, "utf8").trim();
		if (kept !== "") return kept;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
	}
	const secret = randomBytes(LOCAL_SECRET_BYTES).toString("hex");
	mkdirSync(stateDir, { recursive: true });
	writeFileSync(path, `${secret}\n`, { mode: 0o600 });
	return secret;
}

/**
 * The Worker's variables for a local run: `base` (wrangler.jsonc's vars), then local.vars and
 * the environment over them, and the state directory's IP hash secret unless the environment
 * sets one. Checked with the Worker's own schema, so a bad value stops the start with one line
 * naming the variable (a ConfigError) instead of a server that answers 503.
 */
export function workerVars(
	stateDir: string,
	base: Record<string, string> = {},
	env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
	const vars = mergedVars(base, env);
	vars.IP_HASH_SECRET ??= localIpHashSecret(stateDir);
	return checked(vars);
}

/**
 * workerVars' check with nothing read or written under STATE_DIR, for a start to run before it
 * makes or locks the directory: a refused configuration leaves nothing behind
 * (docs/configuration.md: checked before anything is built or started). The state's IP hash
 * secret, not read yet, is judged as one localIpHashSecret draws; workerVars judges the kept one.
 */
export function checkWorkerVars(
	base: Record<string, string> = {},
	env: NodeJS.ProcessEnv = process.env,
): void {
	const vars = mergedVars(base, env);
	vars.IP_HASH_SECRET ??= randomBytes(LOCAL_SECRET_BYTES).toString("hex");
	checked(vars);
}

function mergedVars(base: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
	for (const name of PER_START_VARS)
		if (!isBlank(env[name]))
			throw new Error(
				`${name} is drawn by \`npm run dev\` at each start and cannot be set: unset it.`,
			);
	return { ...base, ...localVars(env) };
}

/** The variables as given, or a ConfigError naming every problem. */
function checked(vars: Record<string, string>): Record<string, string> {
	const result = parseConfig(vars);
	const problems = result.ok ? [] : [...result.error.problems];
	const environment = serverEnvironmentProblem(vars.ENVIRONMENT);
	if (environment !== null) problems.unshift(environment);
	if (problems.length > 0) throw new ConfigError(problems);
	return vars;
}

/**
 * `ENVIRONMENT=test` is the workers tests' (vitest.config.ts gives it to their Worker as a binding,
 * never through here). It turns off the local server's host check (src/worker/middleware/local-host.ts)
 * as well as the production guards, so a server started with it would answer a page that reaches it
 * by DNS rebinding, with local.vars' committed tokens (docs/decisions/179-review-33s-findings.md).
 * The Worker reads the value trimmed (src/shared/config.ts), and so is it judged here.
 */
export function serverEnvironmentProblem(environment: string | undefined): string | null {
	if (environment?.trim() !== "test") return null;
	return 'ENVIRONMENT "test" is for the workers tests: it turns off the local server\'s host check, so a page that reaches this server by DNS rebinding could use its tokens; use "local" (local.vars\' own, taken when ENVIRONMENT is unset)';
}

/** Where `npm start` and `npm run dev` listen and keep their state (docs/configuration.md). */
export type ServerSettings = { host: string; port: number; stateDir: string };

export const DEFAULT_PORT = 8787;
const LOOPBACK = "127.0.0.1";
const MAX_PORT = 65_535;

export function serverSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
	const port = Number(env.PORT ?? DEFAULT_PORT);
	if (!Number.isInteger(port) || port < 1 || port > MAX_PORT)
		throw new Error(`PORT must be an integer 1..${MAX_PORT}, not "${env.PORT}"`);
	return {
		host: LOOPBACK,
		port,
		stateDir: resolve(ROOT, env.STATE_DIR ?? ".wrangler/state"),
	};
}
