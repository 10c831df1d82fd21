// knownSession (src/worker/middleware/auth.ts) takes the token of a header that is exactly
// "Bearer <session token>" by position, skipping bearer()'s pattern; every other header still
// goes through bearer(). The answers must be the same either way, for every shape of header
// (docs/hot-path/sold-out.md, "The sold-out answer's own cost").

import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/worker/http.ts";
import { knownSession, rememberSession, type Session } from "../../src/worker/middleware/auth.ts";

const probe = new Hono<AppEnv>();
probe.get("/", (c) => c.json(knownSession(c) ?? "pending"));

async function known(authorization: string): Promise<unknown> {
	const res = await probe.fetch(
		new Request("http://edge.test/", { headers: { authorization } }),
		env,
	);
	return await res.json();
}

const TOKEN = "0123456789abcdef".repeat(4);
const LIVE: Session = {
	sessionId: "ses_header_shapes",
	ipHash: "0".repeat(64),
	createdAt: new Date().toISOString(),
	expiresAt: new Date(Date.now() + 600_000).toISOString(),
};

describe("the session token in the Authorization header", () => {
	it("is found the same way in every shape of header", async () => {
		rememberSession(TOKEN, LIVE);
		const live = { session: LIVE };
		const cases: [string, unknown][] = [
			[`Bearer ${TOKEN}`, live],
			[`bearer ${TOKEN}`, live],
			[`BEARER ${TOKEN}`, live],
			[`Bearer  ${TOKEN}`, live],
			[`Bearer\t${TOKEN}`, live],
			[`Bearer ${TOKEN}  `, live],
			[`Bearer ${" ".repeat(64)}`, { session: null, why: "missing" }],
			["Bearer", { session: null, why: "missing" }],
			[`Basic ${TOKEN}`, { session: null, why: "missing" }],
			[`Bearer ${"g".repeat(64)}`, { session: null, why: "unknown" }],
			[`Bearer ${TOKEN.toUpperCase()}`, { session: null, why: "unknown" }],
			[`Bearer ${TOKEN.slice(1)}f`, "pending"],
			[`Bearer ${TOKEN}0`, { session: null, why: "unknown" }],
			[`Bearer ${TOKEN.slice(1)}`, { session: null, why: "unknown" }],
		];
		for (const [header, want] of cases) expect(await known(header), header).toEqual(want);
	});
});
