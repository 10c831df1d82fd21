// The keyed, daily IP hash and the constant-time token compare (src/worker/secrets.ts), with
// injected dates; and a guard that every token check in the Worker goes through the compare.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import {
	addressHashes,
	ipHash,
	sameSecret,
	sinceMidnightMs,
	utcDay,
} from "../../src/worker/secrets.ts";

const SECRET = "unit-test-ip-hash-secret-0123456789abcdef";
const DAY_MS = 24 * 60 * 60 * 1000;
/** 2026-11-29T12:00:00Z */
const NOON = Date.UTC(2026, 10, 29, 12);

describe("ipHash", () => {
	it("is keyed: two IPs differ from each other and from their unsalted (or empty-salted) SHA-256", async () => {
		const a = await ipHash(SECRET, "198.51.100.1", NOON);
		const b = await ipHash(SECRET, "198.51.100.2", NOON);
		expect(a).toMatch(/^[0-9a-f]{64}$/);
		expect(b).not.toBe(a);
		for (const [ip, hash] of [
			["198.51.100.1", a],
			["198.51.100.2", b],
		] as const) {
			expect(hash).not.toBe(await sha256Hex(ip));
			expect(hash).not.toBe(await sha256Hex(`:${ip}`));
		}
		// Another secret, another hash: knowing the scheme and the IP is not enough.
		expect(await ipHash(`${SECRET}-other`, "198.51.100.1", NOON)).not.toBe(a);
	});

	it("is stable within a UTC day and changes at midnight UTC", async () => {
		const ip = "203.0.113.9";
		const dayStart = Date.UTC(2026, 10, 29);
		const morning = await ipHash(SECRET, ip, dayStart);
		expect(await ipHash(SECRET, ip, NOON)).toBe(morning);
		expect(await ipHash(SECRET, ip, dayStart + DAY_MS - 1)).toBe(morning);
		const tomorrow = await ipHash(SECRET, ip, dayStart + DAY_MS);
		expect(tomorrow).not.toBe(morning);
		expect(await ipHash(SECRET, ip, dayStart - 1)).not.toBe(morning);
		// Back on a day already seen, the same hash again (the key is derived, not random).
		expect(await ipHash(SECRET, ip, NOON)).toBe(morning);
		expect(await ipHash(SECRET, ip, NOON + DAY_MS)).toBe(tomorrow);
	});

	it("addressHashes: today's hash and the day before's, so a count can look back across midnight", async () => {
		const ip = "203.0.113.9";
		const midnight = Date.UTC(2026, 11, 2);
		// Ten seconds after midnight, "yesterday" is the hash an entry made ten seconds before carries.
		const after = await addressHashes(SECRET, ip, midnight + 10_000);
		expect(after.today).toBe(await ipHash(SECRET, ip, midnight));
		expect(after.yesterday).toBe(await ipHash(SECRET, ip, midnight - 10_000));
		expect(after.yesterday).not.toBe(after.today);
		// Before midnight, today's is what the entries made then carry.
		const before = await addressHashes(SECRET, ip, midnight - 10_000);
		expect(before.today).toBe(after.yesterday);
		// Three days in a row from one isolate: each day's key is derived again when needed.
		const later = await addressHashes(SECRET, ip, midnight + 2 * DAY_MS);
		expect(later.yesterday).toBe(await ipHash(SECRET, ip, midnight + DAY_MS));
		expect((await addressHashes(SECRET, ip, midnight + 10_000)).today).toBe(after.today);
	});

	it("sinceMidnightMs counts from the last midnight UTC", () => {
		expect(sinceMidnightMs(Date.UTC(2026, 11, 2))).toBe(0);
		expect(sinceMidnightMs(Date.UTC(2026, 11, 2, 0, 0, 59))).toBe(59_000);
		expect(sinceMidnightMs(Date.UTC(2026, 11, 1, 23, 59, 59, 999))).toBe(DAY_MS - 1);
	});

	it("names days in UTC", () => {
		expect(utcDay(NOON)).toBe("2026-11-29");
		expect(utcDay(Date.UTC(2026, 10, 29) - 1)).toBe("2026-11-28");
		expect(utcDay(Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe("2026-12-31");
	});
});

describe("sameSecret", () => {
	it("is true only for the same string, whatever the lengths", async () => {
		const token = "local-admin-token";
		expect(await sameSecret(token, token)).toBe(true);
		expect(await sameSecret("", "")).toBe(true);
		for (const other of [
			"",
			"l",
			token.slice(0, -1),
			`${token}x`,
			"local-admin-tokem",
			token.toUpperCase(),
			`${token}\u0000`,
			"x".repeat(10_000),
		]) {
			expect(await sameSecret(other, token), JSON.stringify(other.slice(0, 20))).toBe(false);
			expect(await sameSecret(token, other)).toBe(false);
		}
		// Multi-byte text compares by its UTF-8 bytes.
		expect(await sameSecret("gâteau", "gâteau")).toBe(true);
		expect(await sameSecret("gâteau", "gateau")).toBe(false);
	});
});

// ---- every token check uses sameSecret ----------------------------------------------------

const SRC = fileURLToPath(new URL("../../src/", import.meta.url).href);

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sources(path);
		return /\.tsx?$/.test(entry.name) ? [path] : [];
	});
}

/** Code without comments and string contents, line by line (enough for this source tree). */
function codeLines(text: string): string[] {
	return text
		.replace(/\/\*[\s\S]*?\*\//g, "")
		.split("\n")
		.map((line) => line.replace(/\/\/.*$/, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""'));
}

const LITERAL = /^(null|undefined|""|true|false|\d+)$/;
const SECRETISH = /token|secret/i;

describe("token checks in the Worker", () => {
	// secrets.ts itself is left out: it implements the compare, and its key cache compares the
	// configured secret with itself, never with request data.
	const files = sources(join(SRC, "worker")).filter(
		(f) => !f.endsWith(join("worker", "secrets.ts")),
	);

	it("never compare a token or secret with === or !== (other than against null or a literal)", () => {
		const found: string[] = [];
		for (const file of files) {
			codeLines(readFileSync(file, "utf8")).forEach((line, i) => {
				for (const m of line.matchAll(/([\w.?]+)\s*(?:===|!==)\s*([\w.?]+)/g)) {
					const [, left = "", right = ""] = m;
					if (LITERAL.test(left) || LITERAL.test(right)) continue;
					if (SECRETISH.test(left) || SECRETISH.test(right))
						found.push(`${file.slice(SRC.length)}:${i + 1}: ${line.trim()}`);
				}
			});
		}
		expect(found).toEqual([]);
	});

	it("compare the configured tokens only through sameSecret", () => {
		const readers = files.filter((file) =>
			/\.(adminToken|debugToken)\b/.test(codeLines(readFileSync(file, "utf8")).join("\n")),
		);
		expect(readers.map((f) => f.slice(SRC.length)).sort()).toEqual([
			"worker/middleware/auth.ts",
			"worker/routes/sessions.ts",
		]);
		for (const file of readers) expect(readFileSync(file, "utf8")).toMatch(/sameSecret\(/);
	});
});
