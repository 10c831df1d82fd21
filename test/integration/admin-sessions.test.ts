// Load-test sessions (docs/api.md, "Load-test sessions (operator)"): POST
// /api/admin/sessions mints buyer sessions exactly like POST /api/sessions
// (src/worker/sessions.ts mintSession), refuses bad input without
// creating any, needs ADMIN_TOKEN, and is exempt from the per-IP
// session-creation limit and from nothing else; unlike a buyer's, its sessions have
// no grace after their end and are never renewed (decision 092).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call, createProduct, DEBUG } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

type Issued = { sessionId: string; token: string; expiresAt: string };

async function issue(count: unknown, ip = freshIp()): Promise<Issued[]> {
	const res = await call<{ sessions: Issued[] }>("POST", "/api/admin/sessions", {
		token: ADMIN,
		body: { count },
		headers: { "cf-connecting-ip": ip },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data?.sessions ?? [];
}

async function storedSessions(): Promise<number> {
	let total = 0;
	let cursor: string | undefined;
	for (;;) {
		const page = await env.SESSIONS.list({ prefix: "session:", ...(cursor ? { cursor } : {}) });
		total += page.keys.length;
		if (page.list_complete) return total;
		cursor = page.cursor;
	}
}

describe("POST /api/admin/sessions", () => {
	it("issues 3 buyer sessions stored like POST /api/sessions makes them, and each can reserve", async () => {
		const before = Date.now();
		const sessions = await issue(3);
		expect(sessions).toHaveLength(3);
		expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(3);
		expect(new Set(sessions.map((s) => s.token)).size).toBe(3);

		const publicRes = await call<Issued>("POST", "/api/sessions", {
			body: { turnstileToken: DEBUG },
		});
		expect(publicRes.status).toBe(201);
		const reference = publicRes.body.data as Issued;
		const stored = async (s: Issued) => {
			const key = sessionKey(await sha256Hex(s.token));
			const listed = await env.SESSIONS.list({ prefix: key });
			const text = await env.SESSIONS.get(key, "text");
			return {
				value: JSON.parse(text ?? "null") as Record<string, unknown> | null,
				expiration: listed.keys[0]?.expiration,
			};
		};
		const ref = await stored(reference);
		const ttlMs = Number(env.SESSION_TTL_SECONDS) * 1000;
		for (const s of sessions) {
			expect(s.sessionId).toMatch(/^ses_[0-9a-f]{24}$/);
			expect(s.token).toMatch(/^[0-9a-f]{64}$/);
			// Same TTL as a public session.
			expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(before + ttlMs);
			expect(Date.parse(s.expiresAt)).toBeLessThanOrEqual(Date.parse(reference.expiresAt));
			const mine = await stored(s);
			// A buyer's session's fields, and the mark of a load test (decision 092).
			expect(Object.keys(mine.value ?? {}).sort()).toEqual(
				[...Object.keys(ref.value ?? {}), "loadTest"].sort(),
			);
			expect(mine.value).toMatchObject({
				sessionId: s.sessionId,
				expiresAt: s.expiresAt,
				loadTest: true,
			});
			// KV forgets it when it ends: no grace, so not the buyer's session's extra hour.
			expect(mine.expiration).toBeGreaterThanOrEqual(Math.floor(Date.parse(s.expiresAt) / 1000));
			expect(mine.expiration).toBeLessThanOrEqual(Math.ceil(Date.parse(s.expiresAt) / 1000) + 1);
			expect(mine.expiration).toBeLessThan((ref.expiration ?? 0) - SESSION_GRACE_SECONDS + 2);
		}

		const sku = await createProduct({ totalStock: 10, perUserLimit: 2 });
		for (const s of sessions) {
			const res = await call<{ reservationId: string; status: string }>(
				"POST",
				"/api/reservations",
				{ token: s.token, body: { sku, quantity: 1 } },
			);
			expect(res.status).toBe(201);
			expect(res.body.data).toMatchObject({ status: "RESERVED" });
			const id = encodeURIComponent(res.body.data?.reservationId ?? "");
			// The hold belongs to the session that took it.
			expect((await call("GET", `/api/reservations/${id}`, { token: s.token })).status).toBe(200);
		}
	});

	it("issues up to 1,000 in one request", async () => {
		const sessions = await issue(1000);
		expect(sessions).toHaveLength(1000);
		expect(new Set(sessions.map((s) => s.token)).size).toBe(1000);
	});

	it("ignores unknown fields, as the contract says, and applies the rest", async () => {
		const before = await storedSessions();
		const sent = Date.now();
		const res = await call<{ sessions: Issued[] }>("POST", "/api/admin/sessions", {
			token: ADMIN,
			// ttlSeconds is no field of this request: the sessions get the usual TTL.
			body: { count: 2, ttlSeconds: 60, note: "load test" },
			headers: { "cf-connecting-ip": freshIp() },
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		const sessions = res.body.data?.sessions ?? [];
		expect(sessions).toHaveLength(2);
		const ttlMs = Number(env.SESSION_TTL_SECONDS) * 1000;
		for (const s of sessions) expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(sent + ttlMs);
		expect(await storedSessions()).toBe(before + 2);
	});

	it("refuses bad input with 400 invalid_request naming the field, and creates nothing", async () => {
		const cases: { body: string; names: string }[] = [
			{ body: "{}", names: "count" },
			{ body: JSON.stringify({ count: 0 }), names: "count" },
			{ body: JSON.stringify({ count: -1 }), names: "count" },
			{ body: JSON.stringify({ count: 1001 }), names: "count" },
			{ body: JSON.stringify({ count: 2.5 }), names: "count" },
			{ body: JSON.stringify({ count: "3" }), names: "count" },
			{ body: JSON.stringify({ count: null }), names: "count" },
			// A misspelt count is no count: refused naming the field it lacks.
			{ body: JSON.stringify({ cout: 3 }), names: "count" },
			{ body: JSON.stringify([3]), names: "body" },
			{ body: "{count: 3}", names: "JSON" },
		];
		const before = await storedSessions();
		for (const c of cases) {
			const res = await call("POST", "/api/admin/sessions", {
				token: ADMIN,
				rawBody: c.body,
				headers: { "content-type": "application/json" },
			});
			expect(res.status, c.body).toBe(400);
			expect(res.body.error?.code, c.body).toBe("invalid_request");
			expect(res.body.error?.message, c.body).toContain(c.names);
		}
		const noType = await call("POST", "/api/admin/sessions", {
			token: ADMIN,
			rawBody: JSON.stringify({ count: 3 }),
			headers: { "content-type": "text/plain" },
		});
		expect(noType.status).toBe(415);
		expect(await storedSessions()).toBe(before);
	});

	it("needs the operator's token: none → 401, another (a buyer's included) → 403, nothing created", async () => {
		const before = await storedSessions();
		const none = await call("POST", "/api/admin/sessions", { body: { count: 3 } });
		expect(none.status).toBe(401);
		expect(none.body.error?.code).toBe("unauthorized");
		const wrong = await call("POST", "/api/admin/sessions", {
			token: "not-the-admin-token",
			body: { count: 3 },
		});
		expect(wrong.status).toBe(403);
		expect(wrong.body.error?.code).toBe("forbidden");
		expect(await storedSessions()).toBe(before);
		const [buyer] = await issue(1);
		const asBuyer = await call("POST", "/api/admin/sessions", {
			token: buyer?.token,
			body: { count: 3 },
		});
		expect(asBuyer.status).toBe(403);
		expect(await storedSessions()).toBe(before + 1);
	});
});

describe("load-test sessions and the rate limits (RATE_LIMITS=on)", () => {
	it("do not spend the per-IP session-creation budget", async () => {
		const ip = freshIp();
		const vars = { RATE_LIMIT_SESSIONS: "2", RATE_LIMIT_WRITES: "100" };
		for (let i = 0; i < 3; i++) {
			const res = await limited<{ sessions: Issued[] }>("POST", "/api/admin/sessions", {
				ip,
				vars,
				token: ADMIN,
				body: { count: 5 },
			});
			expect(res.status).toBe(201);
			expect(res.body.data?.sessions).toHaveLength(5);
		}
		// 15 sessions issued from this address, and its budget of 2 is still whole.
		const create = () =>
			limited("POST", "/api/sessions", { ip, vars, body: { turnstileToken: DEBUG } });
		expect((await create()).status).toBe(201);
		expect((await create()).status).toBe(201);
		const refused = await create();
		expect(refused.status).toBe(429);
		expect(refused.body.error?.message).toContain("new sessions per 60 s");
		// Spent budget does not stop the operator either.
		const more = await limited("POST", "/api/admin/sessions", {
			ip,
			vars,
			token: ADMIN,
			body: { count: 1 },
		});
		expect(more.status).toBe(201);
	});

	it("are limited per session like anyone's: the new tier, then the verified tier after a read", async () => {
		const vars = { RATE_LIMIT_RESERVE_NEW: "2", RATE_LIMIT_RESERVE: "3" };
		const sku = await createProduct({ totalStock: 100, perUserLimit: 100 });
		const [unread, reader] = await issue(2);
		const attempt = (token: string) =>
			limited("POST", "/api/reservations", {
				ip: freshIp(),
				vars,
				token,
				body: { sku, quantity: 1 },
			});
		expect((await attempt(unread?.token ?? "")).status).toBe(201);
		expect((await attempt(unread?.token ?? "")).status).toBe(201);
		const refusedNew = await attempt(unread?.token ?? "");
		expect(refusedNew.status).toBe(429);
		expect(refusedNew.body.error?.code).toBe("rate_limited");

		const read = await limited("GET", `/api/products/${sku}`, {
			ip: freshIp(),
			vars,
			token: reader?.token,
		});
		expect(read.status).toBe(200);
		for (let i = 0; i < 3; i++) expect((await attempt(reader?.token ?? "")).status).toBe(201);
		const refused = await attempt(reader?.token ?? "");
		expect(refused.status).toBe(429);
	});

	it("end at their expiresAt with no grace, and a buyer's renewToken never continues one", async () => {
		const sku = await createProduct({ totalStock: 4, holdSeconds: 600, perUserLimit: 4 });
		await withHeldClock(async (setMs) => {
			const [load] = await issue(1);
			const token = load?.token ?? "";
			const endMs = Date.parse(load?.expiresAt ?? "");
			// A hold taken in the session's last seconds ends after it.
			setMs(endMs - 5_000);
			const hold = await call<{ reservationId: string }>("POST", "/api/reservations", {
				token,
				body: { sku, quantity: 1 },
			});
			expect(hold.status).toBe(201);
			const id = encodeURIComponent(hold.body.data?.reservationId ?? "");
			// Past its end the token reaches nothing, its own hold included (a buyer's would: 200).
			setMs(endMs + 10_000);
			const read = await call("GET", `/api/reservations/${id}`, { token });
			expect(read.status).toBe(401);
			// A human check naming it starts a new session instead of continuing this one, live or not.
			for (const at of [endMs + 10_000, endMs - 60_000]) {
				setMs(at);
				const renewal = await call<{ sessionId: string; renewed: boolean }>(
					"POST",
					"/api/sessions",
					{ body: { turnstileToken: DEBUG, renewToken: token } },
				);
				expect(renewal.status, JSON.stringify(renewal.body)).toBe(201);
				expect(renewal.body.data?.renewed).toBe(false);
				expect(renewal.body.data?.sessionId).not.toBe(load?.sessionId);
			}
		});
	});
});
