// Sessions (docs/api.md, "Sessions"): created with DEBUG_TOKEN here (Turnstile itself is
// verified against a stub in test/node/turnstile.test.ts), kept in KV with a
// TTL under the token's hash, and holding no PII: session id, IP hash, times.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { call, createProduct, DEBUG } from "./helpers.ts";

type Created = { sessionId: string; token: string; expiresAt: string; expiresInSeconds: number };
const IP = "203.0.113.77";

async function create(): Promise<Created> {
	const res = await call<Created>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
		headers: { "cf-connecting-ip": IP },
	});
	expect(res.status).toBe(201);
	return res.body.data as Created;
}

describe("POST /api/sessions", () => {
	it("accepts DEBUG_TOKEN and answers sessionId, token and expiresAt (SESSION_TTL_SECONDS ahead)", async () => {
		const before = Date.now();
		const s = await create();
		expect(s.sessionId).toMatch(/^ses_[0-9a-f]{24}$/);
		expect(s.token).toMatch(/^[0-9a-f]{64}$/);
		const ttlMs = Number(env.SESSION_TTL_SECONDS) * 1000;
		expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(before + ttlMs);
		expect(Date.parse(s.expiresAt)).toBeLessThanOrEqual(Date.now() + ttlMs);
		// The seconds left when it answered, rounded up: a page counts them on its own clock.
		expect(s.expiresInSeconds).toBe(Number(env.SESSION_TTL_SECONDS));
		const other = await create();
		expect(other.sessionId).not.toBe(s.sessionId);
		expect(other.token).not.toBe(s.token);
	});

	it("stores only sessionId, ipHash and timestamps, under the token's hash, with a KV expiry", async () => {
		const s = await create();
		const key = sessionKey(await sha256Hex(s.token));
		const text = await env.SESSIONS.get(key, "text");
		expect(text).not.toBeNull();
		const stored = JSON.parse(text ?? "{}") as Record<string, unknown>;
		expect(Object.keys(stored).sort()).toEqual(["createdAt", "expiresAt", "ipHash", "sessionId"]);
		expect(stored).toMatchObject({ sessionId: s.sessionId, expiresAt: s.expiresAt });
		expect(Number.isNaN(Date.parse(String(stored.createdAt)))).toBe(false);
		expect(stored.ipHash).toMatch(/^[0-9a-f]{8,64}$/);
		// Neither the IP nor the bearer token appears anywhere in KV, keys included.
		expect(text).not.toContain(IP);
		expect(text).not.toContain(s.token);
		const listed = await env.SESSIONS.list({ prefix: "session:" });
		const entry = listed.keys.find((k) => k.name === key);
		expect(entry).toBeDefined();
		for (const k of listed.keys) expect(k.name).not.toContain(s.token);
		// KV forgets the session on its own (a TTL), no later than shortly after expiresAt.
		expect(entry?.expiration).toBeGreaterThanOrEqual(
			Math.floor(Date.parse(s.expiresAt) / 1000) - 1,
		);
	});

	it("hashes the same IP the same way and different IPs differently", async () => {
		const read = async (ip: string) => {
			const res = await call<Created>("POST", "/api/sessions", {
				body: { turnstileToken: DEBUG },
				headers: { "cf-connecting-ip": ip },
			});
			const stored = await env.SESSIONS.get<{ ipHash: string }>(
				sessionKey(await sha256Hex(res.body.data?.token ?? "")),
				"json",
			);
			return stored?.ipHash;
		};
		const a = await read("198.51.100.1");
		expect(await read("198.51.100.1")).toBe(a);
		expect(await read("198.51.100.2")).not.toBe(a);
	});

	it("gives a token that authenticates the buyer's calls and only them", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const a = await create();
		const b = await create();
		const hold = await call<{ reservationId: string }>("POST", "/api/reservations", {
			token: a.token,
			body: { sku },
		});
		expect(hold.status).toBe(201);
		const id = hold.body.data?.reservationId ?? "";
		expect((await call("GET", `/api/reservations/${id}`, { token: a.token })).status).toBe(200);
		expect((await call("GET", `/api/reservations/${id}`, { token: b.token })).status).toBe(404);
		// The audit trail names the session, not the token.
		const events = await call<{ events: { sessionId?: string }[] }>(
			"GET",
			`/api/admin/products/${sku}/events`,
			{ token: env.ADMIN_TOKEN },
		);
		expect(events.body.data?.events.map((e) => e.sessionId).filter(Boolean)).toEqual([a.sessionId]);
	});
});
