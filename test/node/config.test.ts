// `npm start`'s side of the configuration (scripts/config.ts): a bad variable stops the start
// with one line naming it, before anything is built or started; the local IP hash secret is
// generated once per state directory and never committed.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { localIpHashSecret, parseVars, workerVars } from "../../scripts/config.ts";
import { randomHexToken } from "../support/random.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The refusal comes before any build or runtime start: seconds, not a server's start time. */
const REFUSAL_TIMEOUT_MS = 60_000;

const dirs: string[] = [];
function stateDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "rg-config-"));
	dirs.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `npm start`'s script (or `npm run dev`'s) in its own process group; the group is killed
 * whatever happens.
 */
async function start(
	env: Record<string, string>,
	script: "start.ts" | "dev.ts" = "start.ts",
): Promise<{ code: number | null; stderr: string }> {
	const child: ChildProcess = spawn(process.execPath, [join(ROOT, "scripts", script)], {
		cwd: ROOT,
		env: { ...process.env, PORT: "9", STATE_DIR: stateDir(), ...env },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	let stderr = "";
	child.stderr?.on("data", (d) => {
		stderr += d;
	});
	try {
		const code = await new Promise<number | null>((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`npm start kept running with a bad variable:\n${stderr}`)),
				REFUSAL_TIMEOUT_MS,
			);
			child.once("exit", (exitCode) => {
				clearTimeout(timer);
				resolve(exitCode);
			});
		});
		return { code, stderr };
	} finally {
		try {
			if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
		} catch {
			// Already gone with its group.
		}
	}
}

describe("npm start with an invalid variable", () => {
	it(
		"refuses to start, with one line naming the variable",
		async () => {
			const { code, stderr } = await start({ HOLD_SECONDS: "two minutes" });
			expect(code).toBe(1);
			const lines = stderr.trim().split("\n");
			expect(lines).toEqual([
				'Invalid configuration: HOLD_SECONDS must be a whole number from 1 to 3600, got "two minutes".',
			]);
		},
		REFUSAL_TIMEOUT_MS + 10_000,
	);

	it(
		"names a bad rate limit, a live viewers' bound of 0 and a short IP_HASH_SECRET the same way",
		async () => {
			const { code, stderr } = await start({
				RATE_LIMIT_WRITES: "lots",
				MAX_LIVE_SOCKETS: "0",
				IP_HASH_SECRET: "short",
			});
			expect(code).toBe(1);
			expect(stderr.trim().split("\n")).toHaveLength(1);
			expect(stderr).toMatch(/IP_HASH_SECRET must be at least 32 characters/);
			expect(stderr).toMatch(/RATE_LIMIT_WRITES must be a whole number/);
			expect(stderr).toMatch(/MAX_LIVE_SOCKETS must be a whole number from 1 to 32768, got "0"/);
			expect(stderr).not.toContain("short");
		},
		REFUSAL_TIMEOUT_MS + 10_000,
	);

	it(
		"refuses ENVIRONMENT=production with local.vars' DEBUG_TOKEN, naming DEBUG_TOKEN",
		async () => {
			// The widget's own keys, so only the debug token is wrong.
			const { code, stderr } = await start({
				ENVIRONMENT: "production",
				TURNSTILE_SITE_KEY: "0x4AAAAAAAnodeTestSiteKey",
				TURNSTILE_SECRET_KEY: "0x4AAAAAAAnodeTestSecretKey0123456789",
			});
			expect(code).toBe(1);
			expect(stderr.trim().split("\n")).toHaveLength(1);
			expect(stderr).toMatch(/DEBUG_TOKEN is set.*needs ENVIRONMENT local or test/);
			expect(stderr).not.toContain("local-debug-token");
		},
		REFUSAL_TIMEOUT_MS + 10_000,
	);
});

describe("a refused configuration", () => {
	it(
		"leaves nothing behind in STATE_DIR: no directory made, nothing written in one that exists",
		async () => {
			for (const script of ["start.ts", "dev.ts"] as const) {
				const made = stateDir();
				const missing = join(made, "state");
				const { code, stderr } = await start({ HOLD_SECONDS: "2m", STATE_DIR: missing }, script);
				expect(code, script).toBe(1);
				expect(stderr.trim().split("\n"), script).toEqual([
					'Invalid configuration: HOLD_SECONDS must be a whole number from 1 to 3600, got "2m".',
				]);
				// No ip-hash-secret, server.lock, server.lock.json or server.lock-journal either.
				expect(existsSync(missing), `${script}: ${missing} was made`).toBe(false);
				const refused = await start({ HOLD_SECONDS: "2m", STATE_DIR: made }, script);
				expect(refused.code, script).toBe(1);
				expect(readdirSync(made), script).toEqual([]);
			}
		},
		4 * REFUSAL_TIMEOUT_MS + 10_000,
	);
});

describe("npm start and npm run dev with ENVIRONMENT=test", () => {
	it(
		"refuse it in one line naming ENVIRONMENT: it turns off the local host check (the workers tests' own)",
		async () => {
			for (const script of ["start.ts", "dev.ts"] as const) {
				for (const ENVIRONMENT of ["test", " test "]) {
					const { code, stderr } = await start({ ENVIRONMENT }, script);
					expect(code, script).toBe(1);
					expect(stderr.trim().split("\n"), script).toEqual([
						'Invalid configuration: ENVIRONMENT "test" is for the workers tests: it turns off the local server\'s host check, so a page that reaches this server by DNS rebinding could use its tokens; use "local" (local.vars\' own, taken when ENVIRONMENT is unset).',
					]);
				}
			}
		},
		4 * REFUSAL_TIMEOUT_MS + 10_000,
	);
});

describe("npm start with ENVIRONMENT=production", () => {
	/** The widget's own keys and no debug token: what the earlier production guards want. */
	const DEPLOY = {
		ENVIRONMENT: "production",
		DEBUG_TOKEN: "",
		TURNSTILE_SITE_KEY: "0x4AAAAAAAnodeTestSiteKey",
		TURNSTILE_SECRET_KEY: "0x4AAAAAAAnodeTestSecretKey0123456789",
	};

	it(
		"refuses local.vars' ADMIN_TOKEN and an unchosen payment provider, naming both",
		async () => {
			const { code, stderr } = await start(DEPLOY);
			expect(code).toBe(1);
			expect(stderr.trim().split("\n")).toHaveLength(1);
			expect(stderr).toMatch(/ADMIN_TOKEN is a token committed in this repository/);
			expect(stderr).toMatch(/PAYMENT_PROVIDER is not set/);
			expect(stderr).not.toContain("local-admin-token");
		},
		REFUSAL_TIMEOUT_MS + 10_000,
	);

	it(
		"refuses a plain-http TURNSTILE_VERIFY_URL, which would carry the secret in clear",
		async () => {
			const { code, stderr } = await start({
				...DEPLOY,
				ADMIN_TOKEN: randomHexToken(),
				PAYMENT_PROVIDER: "simulated",
				TURNSTILE_VERIFY_URL: "http://127.0.0.1:9/siteverify",
			});
			expect(code).toBe(1);
			expect(stderr.trim().split("\n")).toEqual([
				'Invalid configuration: TURNSTILE_VERIFY_URL must be an https URL with ENVIRONMENT "production": TURNSTILE_SECRET_KEY is sent to it, and over http anyone on the path reads it (http is for stand-ins with ENVIRONMENT local or test).',
			]);
		},
		REFUSAL_TIMEOUT_MS + 10_000,
	);
});

describe("the local IP hash secret", () => {
	it("is generated once per state directory, private, and kept across starts", () => {
		const dir = stateDir();
		const secret = localIpHashSecret(dir);
		expect(secret).toMatch(/^[0-9a-f]{64}$/);
		expect(localIpHashSecret(dir)).toBe(secret);
		expect(statSync(join(dir, "ip-hash-secret")).mode & 0o777).toBe(0o600);
		expect(localIpHashSecret(stateDir())).not.toBe(secret);
	});

	it("is what workerVars passes on, unless the environment sets one", () => {
		const dir = stateDir();
		expect(workerVars(dir, {}, {}).IP_HASH_SECRET).toBe(localIpHashSecret(dir));
		const own = "x".repeat(40);
		expect(workerVars(dir, {}, { IP_HASH_SECRET: own }).IP_HASH_SECRET).toBe(own);
	});

	it("is not in local.vars: no committed value keys a hash", () => {
		const vars = parseVars(readFileSync(join(ROOT, "local.vars"), "utf8"));
		expect(Object.keys(vars)).not.toContain("IP_HASH_SECRET");
		expect(Object.keys(vars)).not.toContain("IP_HASH_SALT");
	});
});

describe("DEV_FRONT_SECRET", () => {
	it("is never taken from the environment: npm run dev draws it at each start", () => {
		const dir = stateDir();
		expect(workerVars(dir, {}, {}).DEV_FRONT_SECRET).toBeUndefined();
		expect(() => workerVars(dir, {}, { DEV_FRONT_SECRET: randomHexToken() })).toThrow(
			/^DEV_FRONT_SECRET is drawn by `npm run dev` at each start and cannot be set: unset it\.$/,
		);
		// Blank means unset, as for every variable.
		expect(workerVars(dir, {}, { DEV_FRONT_SECRET: "" }).DEV_FRONT_SECRET).toBeUndefined();
	});
});
