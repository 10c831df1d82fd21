// Local configuration: defaults from local.vars, overridden by the process
// environment. Shared by `npm start`, the benchmarks and the tests.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every variable the Worker reads (docs/api.md, Configuration), and nothing else, is passed on. */
export const WORKER_VARS = [
	"ADMIN_TOKEN",
	"DEBUG_TOKEN",
	"TURNSTILE_SITE_KEY",
	"TURNSTILE_SECRET_KEY",
	"TURNSTILE_VERIFY_URL",
	"SESSION_TTL_SECONDS",
	"HOLD_SECONDS",
	"IP_HASH_SALT",
	"RATE_LIMITS",
	// Overrides of the named rate limits (src/limits/config.ts, RATE_LIMIT_VARS).
	"RATE_LIMIT_WINDOW_SECONDS",
	"RATE_LIMIT_RESERVE",
	"RATE_LIMIT_RESERVE_NEW",
	"RATE_LIMIT_RESERVE_SUSPECTED",
	"RATE_LIMIT_WRITES",
	"RATE_LIMIT_READS",
	"RATE_LIMIT_RESET",
	"RATE_LIMIT_SESSIONS",
	"DEMO_COST_LIMIT",
	"BILLING_SCALE",
	"GUARDRAIL_VIRTUAL_USD",
	"ENVIRONMENT",
	"PAYMENT_PROVIDER",
	"PAYMENT_SIM_LATENCY_MS",
	"PAYMENT_TIMEOUT_MS",
	"STRIPE_SECRET_KEY",
	"STRIPE_API_BASE",
] as const;

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

/** Where `npm start` and `npm run dev` listen and keep their state (README.md, "Configuration"). */
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
