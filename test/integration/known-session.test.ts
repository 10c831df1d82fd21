// The session a request carries, resolved without I/O where it can be (middleware/auth.ts
// knownSession): the edge's first middleware runs synchronously for a request with no token, a
// token that is not a session token, or a session this isolate has cached, and only a
// well-formed token it has not seen waits for KV (docs/hot-path/edge-cost.md, "What every request pays").

import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import type { AppEnv } from "../../src/worker/http.ts";
import {
	knownSession,
	rememberSession,
	resolveSession,
	type Session,
} from "../../src/worker/middleware/auth.ts";

/** What knownSession answered ("pending": it needs KV) and what resolveSession then settled on. */
const probe = new Hono<AppEnv>();
probe.get("/", async (c) => {
	const known = knownSession(c);
	const resolved = await resolveSession(c);
	return c.json({
		known: known === undefined ? "pending" : known,
		resolved,
		// A second ask in the same request answers without I/O, as the first one settled.
		again: knownSession(c) ?? "pending",
	});
});

async function ask(authorization?: string): Promise<Record<string, unknown>> {
	const headers: Record<string, string> = authorization ? { authorization } : {};
	const res = await probe.fetch(new Request("http://edge.test/", { headers }), env);
	return (await res.json()) as Record<string, unknown>;
}

function tokenOf(seed: string): string {
	return seed.repeat(64).slice(0, 64);
}

function session(id: string, expiresInMs: number): Session {
	const now = Date.now();
	return {
		sessionId: id,
		ipHash: "0".repeat(64),
		createdAt: new Date(now).toISOString(),
		expiresAt: new Date(now + expiresInMs).toISOString(),
	};
}

describe("knownSession", () => {
	it("answers a request without a token at once: missing", async () => {
		const out = await ask();
		expect(out.known).toEqual({ session: null, why: "missing" });
		expect(out.resolved).toEqual({ session: null, why: "missing" });
	});

	it("answers a token that is not a session token at once: unknown", async () => {
		const out = await ask("Bearer not-a-session-token");
		expect(out.known).toEqual({ session: null, why: "unknown" });
		expect(out.resolved).toEqual({ session: null, why: "unknown" });
	});

	it("leaves a well-formed token this isolate has not seen to KV, then keeps the answer", async () => {
		const out = await ask(`Bearer ${tokenOf("a1")}`);
		expect(out.known).toBe("pending");
		expect(out.resolved).toEqual({ session: null, why: "unknown" });
		expect(out.again).toEqual({ session: null, why: "unknown" });
	});

	it("answers a cached live session at once", async () => {
		const token = tokenOf("b2");
		const live = session("ses_known_live", 60_000);
		rememberSession(token, live);
		const out = await ask(`Bearer ${token}`);
		expect(out.known).toEqual({ session: live });
		expect(out.resolved).toEqual({ session: live });
	});

	it("answers a cached session ended within its grace as expired, keeping it for the owner's routes", async () => {
		const token = tokenOf("c4");
		const ended = session("ses_known_ended", -1_000);
		rememberSession(token, ended);
		const first = await ask(`Bearer ${token}`);
		// requireOwnSession takes `ended` (docs/decisions/086-a-sessions-end-and-what-it-owns.md).
		expect(first.known).toEqual({ session: null, why: "expired", ended });
		const second = await ask(`Bearer ${token}`);
		expect(second.known).toEqual({ session: null, why: "expired", ended });
	});

	it("answers a cached session past its grace as expired and forgets it", async () => {
		const token = tokenOf("c3");
		rememberSession(token, session("ses_known_expired", -SESSION_GRACE_SECONDS * 1000 - 1_000));
		const first = await ask(`Bearer ${token}`);
		expect(first.known).toEqual({ session: null, why: "expired" });
		// Forgotten: the next request asks KV (which has no such session).
		const second = await ask(`Bearer ${token}`);
		expect(second.known).toBe("pending");
		expect(second.resolved).toEqual({ session: null, why: "unknown" });
	});
});
