// What production refuses that local runs and tests may use (src/shared/config-rules.ts,
// docs/decisions/164-production-refuses-unsafe-configuration.md): an unchosen payment provider
// (the simulated one would mark every checkout PAID with no money moved), a committed, short or
// patterned ADMIN_TOKEN, and a plain-http URL a secret is sent to. Also where LOCAL_HOSTS applies.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ConfigVars, parseConfig } from "../../src/shared/config.ts";
import { COMMITTED_TOKENS } from "../../src/shared/config-rules.ts";
import { randomHexToken } from "../support/random.ts";

/** What production needs besides the rules under test: the IP hash secret, the widget's keys. */
const DEPLOY: ConfigVars = {
	IP_HASH_SECRET: "unit-test-ip-hash-secret-0123456789abcdef",
	TURNSTILE_SITE_KEY: "0x4AAAAAAAunitTestSiteKey",
	TURNSTILE_SECRET_KEY: "0x4AAAAAAAunitTestSecretKey0123456789",
};
const CHOSEN: ConfigVars = { ...DEPLOY, PAYMENT_PROVIDER: "simulated" };
/** Anything but local and test counts as production, an unset ENVIRONMENT included. */
const PRODUCTION_LIKE = ["production", undefined, "staging"];
const LOCAL_LIKE = ["local", "test"];
/** `openssl rand -hex 32`, as the messages suggest: drawn per run, never committed. */
const STRONG_TOKEN = randomHexToken();

/** SHA-256 of "foo", "test" and "password": 64 varied hex characters that anyone can recompute. */
const WELL_KNOWN_HEX = [
	"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
];

function problems(vars: Record<string, unknown>): string {
	const result = parseConfig(vars);
	if (result.ok) throw new Error(`expected ${JSON.stringify(vars)} to be refused`);
	return result.error.message;
}

describe("the payment provider outside local and test", () => {
	it("must be chosen: unset is refused, naming PAYMENT_PROVIDER and both choices", () => {
		for (const ENVIRONMENT of PRODUCTION_LIKE) {
			for (const unset of [undefined, "", "  "]) {
				const message = problems({ ...DEPLOY, ENVIRONMENT, PAYMENT_PROVIDER: unset });
				expect(message).toMatch(/PAYMENT_PROVIDER is not set, and with ENVIRONMENT "\w+"/);
				expect(message).toMatch(/"stripe" \(with STRIPE_SECRET_KEY\).*"simulated" for a demo/);
			}
		}
	});

	it("is taken when chosen, simulated included; unset stays simulated locally and in tests", () => {
		for (const ENVIRONMENT of PRODUCTION_LIKE) {
			const demo = parseConfig({ ...CHOSEN, ENVIRONMENT });
			expect(demo.ok && demo.config.payment).toEqual({ provider: "simulated", simLatencyMs: 0 });
			const stripe = parseConfig({
				...DEPLOY,
				ENVIRONMENT,
				PAYMENT_PROVIDER: "Stripe",
				STRIPE_SECRET_KEY: "sk_live_x",
			});
			expect(stripe.ok && stripe.config.payment.provider).toBe("stripe");
		}
		for (const ENVIRONMENT of LOCAL_LIKE) {
			const local = parseConfig({ ...DEPLOY, ENVIRONMENT });
			expect(local.ok && local.config.payment.provider).toBe("simulated");
		}
	});
});

describe("ADMIN_TOKEN outside local and test", () => {
	it("refuses a committed token, a short one and a patterned one, without echoing it", () => {
		const cases: [string, RegExp][] = [
			["local-admin-token", /ADMIN_TOKEN is a token committed in this repository/],
			["node-test-admin", /ADMIN_TOKEN is a token committed in this repository/],
			["s3cr3t-but-short-0123456789", /ADMIN_TOKEN must be at least 32 characters .*; it has 27/],
			["a".repeat(64), /ADMIN_TOKEN must have at least 8 different characters/],
			["abcabcabcabcabcabcabcabcabcabcabcabc", /at least 8 different characters/],
		];
		for (const ENVIRONMENT of PRODUCTION_LIKE) {
			for (const [token, wanted] of cases) {
				const message = problems({ ...CHOSEN, ENVIRONMENT, ADMIN_TOKEN: token });
				expect(message, token).toMatch(wanted);
				expect(message, token).toContain("openssl rand -hex 32");
				expect(message, token).not.toContain(token);
			}
		}
	});

	it("takes a random token, or none (every operator route then answers 403)", () => {
		for (const ENVIRONMENT of PRODUCTION_LIKE) {
			const strong = parseConfig({ ...CHOSEN, ENVIRONMENT, ADMIN_TOKEN: STRONG_TOKEN });
			expect(strong.ok && strong.config.adminToken).toBe(STRONG_TOKEN);
			const none = parseConfig({ ...CHOSEN, ENVIRONMENT });
			expect(none.ok && none.config.adminToken).toBeNull();
		}
	});

	it("lets local runs and tests use the committed tokens", () => {
		for (const ENVIRONMENT of LOCAL_LIKE) {
			for (const token of ["local-admin-token", "a"]) {
				const local = parseConfig({ ...DEPLOY, ENVIRONMENT, ADMIN_TOKEN: token });
				expect(local.ok && local.config.adminToken).toBe(token);
			}
		}
	});

	it("knows every token the repository commits (local.vars, the workers and node tests)", () => {
		const read = (path: string) =>
			readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url).href), "utf8");
		const committed = [
			...read("local.vars").matchAll(/^(?:ADMIN|DEBUG)_TOKEN=(.+)$/gm),
			...read("vitest.config.ts").matchAll(/(?:ADMIN|DEBUG)_TOKEN: "([^"]+)"/g),
			...read("test/support/server.ts").matchAll(/TEST_(?:ADMIN|DEBUG)_TOKEN = "([^"]+)"/g),
		].map((m) => m[1]);
		expect(committed).toHaveLength(6);
		for (const token of committed) expect(COMMITTED_TOKENS).toContain(token);
	});

	it("knows every 64-hex token a test file commits, which would pass every other rule", () => {
		const root = fileURLToPath(new URL("../../", import.meta.url).href);
		// A 64-hex literal given to a token (`ADMIN_TOKEN: "…"`, `const STRONG_ADMIN = "…"`), not a
		// test vector: the name before it says TOKEN or ADMIN.
		const literal = /(?:TOKEN|ADMIN)\w*"?\s*[:=]\s*"([0-9a-f]{64})"/gi;
		const found: string[] = [];
		for (const file of [
			"vitest.config.ts",
			...readdirSync(join(root, "test"), { recursive: true, encoding: "utf8" })
				.filter((name) => name.endsWith(".ts"))
				.map((name) => join("test", name)),
		]) {
			for (const m of readFileSync(join(root, file), "utf8").matchAll(literal))
				found.push(`${file}: ${m[1]}`);
		}
		const unknown = found.filter((hit) => !COMMITTED_TOKENS.includes(hit.split(": ")[1] ?? ""));
		expect(unknown).toEqual([]);
		// The scan sees the forms the tests committed them in.
		const hex = "ab".repeat(32);
		for (const line of [
			`ADMIN_TOKEN: "${hex}",`,
			`const STRONG_TOKEN = "${hex}";`,
			`const STRONG_ADMIN = "${hex}";`,
		])
			expect(
				[...line.matchAll(literal)].map((m) => m[1]),
				line,
			).toEqual([hex]);
		for (const token of WELL_KNOWN_HEX)
			expect(problems({ ...CHOSEN, ADMIN_TOKEN: token })).toMatch(
				/ADMIN_TOKEN is a token committed in this repository/,
			);
	});
});

describe("URLs a secret is sent to, outside local and test", () => {
	it("must be https: TURNSTILE_VERIFY_URL and STRIPE_API_BASE over http are refused by name", () => {
		for (const ENVIRONMENT of PRODUCTION_LIKE) {
			const turnstile = problems({
				...CHOSEN,
				ENVIRONMENT,
				TURNSTILE_VERIFY_URL: "http://siteverify.example/siteverify",
			});
			expect(turnstile).toMatch(
				/TURNSTILE_VERIFY_URL must be an https URL with ENVIRONMENT "\w+": TURNSTILE_SECRET_KEY is sent to it/,
			);
			const stripe = problems({
				...DEPLOY,
				ENVIRONMENT,
				PAYMENT_PROVIDER: "stripe",
				STRIPE_SECRET_KEY: "sk_live_x",
				STRIPE_API_BASE: "HTTP://api.stripe.example",
			});
			expect(stripe).toMatch(
				/STRIPE_API_BASE must be an https URL .*STRIPE_SECRET_KEY is sent to it/,
			);
			const https = parseConfig({
				...CHOSEN,
				ENVIRONMENT,
				TURNSTILE_VERIFY_URL: "https://siteverify.example/siteverify",
			});
			expect(https.ok && https.config.turnstile.verifyUrl).toBe(
				"https://siteverify.example/siteverify",
			);
		}
	});

	it("may be http locally and in tests, where they point at stand-ins", () => {
		for (const ENVIRONMENT of LOCAL_LIKE) {
			const local = parseConfig({
				...DEPLOY,
				ENVIRONMENT,
				TURNSTILE_VERIFY_URL: "http://127.0.0.1:9/siteverify",
				STRIPE_API_BASE: "http://127.0.0.1:9",
			});
			expect(local.ok).toBe(true);
		}
	});
});

describe("LOCAL_HOSTS", () => {
	it("applies with ENVIRONMENT=local only: none besides loopback unset, the listed names set", () => {
		const none = parseConfig({ ...DEPLOY, ENVIRONMENT: "local" });
		expect(none.ok && none.config.localHosts).toEqual([]);
		const listed = parseConfig({
			...DEPLOY,
			ENVIRONMENT: "local",
			LOCAL_HOSTS: "Dev.Box.test, tunnel.example",
		});
		expect(listed.ok && listed.config.localHosts).toEqual(["dev.box.test", "tunnel.example"]);
		for (const ENVIRONMENT of ["test", ...PRODUCTION_LIKE]) {
			const elsewhere = parseConfig({ ...CHOSEN, ENVIRONMENT, LOCAL_HOSTS: "dev.box.test" });
			expect(elsewhere.ok && elsewhere.config.localHosts).toBeNull();
		}
		expect(problems({ ...DEPLOY, ENVIRONMENT: "local", LOCAL_HOSTS: "http://x.test" })).toMatch(
			/LOCAL_HOSTS must list host names/,
		);
	});
});

describe("LOCAL_HOSTS and the committed tokens", () => {
	it("refuses the committed ADMIN_TOKEN and DEBUG_TOKEN once LOCAL_HOSTS lets others reach the server", () => {
		const local = { ...DEPLOY, ENVIRONMENT: "local", LOCAL_HOSTS: "tunnel.example" };
		const message = problems({
			...local,
			ADMIN_TOKEN: "local-admin-token",
			DEBUG_TOKEN: "local-debug-token",
		});
		expect(message).toMatch(
			/ADMIN_TOKEN is a token committed in this repository, refused with LOCAL_HOSTS set/,
		);
		expect(message).toMatch(
			/DEBUG_TOKEN is a token committed in this repository, refused with LOCAL_HOSTS set/,
		);
		expect(message).not.toContain("local-admin-token");
		expect(message).not.toContain("local-debug-token");
		// Tokens of one's own (or no DEBUG_TOKEN at all) are taken.
		for (const DEBUG_TOKEN of [randomHexToken(), "", undefined]) {
			const own = parseConfig({ ...local, ADMIN_TOKEN: STRONG_TOKEN, DEBUG_TOKEN });
			expect(own.ok && own.config.localHosts).toEqual(["tunnel.example"]);
		}
	});

	it("refuses short and patterned tokens too, the README's ADMIN_TOKEN=a DEBUG_TOKEN=d among them", () => {
		const local = { ...DEPLOY, ENVIRONMENT: "local", LOCAL_HOSTS: "tunnel.example" };
		const readme = problems({ ...local, ADMIN_TOKEN: "a", DEBUG_TOKEN: "d" });
		expect(readme).toMatch(/ADMIN_TOKEN must be at least 32 characters with LOCAL_HOSTS set/);
		expect(readme).toMatch(/DEBUG_TOKEN must be at least 32 characters with LOCAL_HOSTS set/);
		const short = STRONG_TOKEN.slice(0, 31);
		expect(problems({ ...local, ADMIN_TOKEN: STRONG_TOKEN, DEBUG_TOKEN: short })).toMatch(
			/^Invalid configuration: DEBUG_TOKEN must be at least 32 characters/,
		);
		const patterned = "abcdefg".repeat(6);
		const message = problems({ ...local, ADMIN_TOKEN: patterned, DEBUG_TOKEN: STRONG_TOKEN });
		expect(message).toMatch(
			/^Invalid configuration: ADMIN_TOKEN must have at least 8 different characters with LOCAL_HOSTS set/,
		);
		for (const token of ["a", "d", short, patterned])
			expect(readme + message).not.toContain(`"${token}"`);
		// The same tokens on a loopback-only local server are its own business.
		expect(parseConfig({ ...local, LOCAL_HOSTS: "", ADMIN_TOKEN: "a", DEBUG_TOKEN: "d" }).ok).toBe(
			true,
		);
	});

	it("leaves the committed tokens to a loopback-only local server and to the tests", () => {
		const committed = { ADMIN_TOKEN: "local-admin-token", DEBUG_TOKEN: "local-debug-token" };
		for (const LOCAL_HOSTS of [undefined, "", " , "])
			expect(parseConfig({ ...DEPLOY, ...committed, ENVIRONMENT: "local", LOCAL_HOSTS }).ok).toBe(
				true,
			);
		expect(
			parseConfig({ ...DEPLOY, ...committed, ENVIRONMENT: "test", LOCAL_HOSTS: "tunnel.example" })
				.ok,
		).toBe(true);
	});
});
