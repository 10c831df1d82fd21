// A renewed session's old token ends (docs/decisions/166-a-renewed-sessions-old-token-ends.md):
// once a renewal replaced it, it never renews again, and after REPLACED_TOKEN_GRACE_SECONDS it
// reaches nothing — live routes and the routes of what the session owns alike — while the newest
// token goes on with the same session. The clock is the test's own (held-clock.ts).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import {
	REPLACED_TOKEN_GRACE_SECONDS,
	REPLACED_TOKEN_RECORD_SECONDS,
} from "../../src/shared/sessions.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { type Session, sessionKey } from "../../src/worker/middleware/auth.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, createProduct, DEBUG } from "./helpers.ts";

type Issued = {
	sessionId: string;
	token: string;
	expiresAt: string;
	issuedAt: string;
	renewed?: boolean;
};

async function issued(renewToken?: string): Promise<Issued> {
	const res = await call<Issued>("POST", "/api/sessions", {
		body:
			renewToken === undefined ? { turnstileToken: DEBUG } : { turnstileToken: DEBUG, renewToken },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Issued;
}

/** Pairs of renewals at once: the race needs both to read the token before either replaces it. */
const RENEWAL_PAIRS = 10;

const REPLACED_MESSAGE =
	"This session token was replaced when the session was renewed; use the newer token.";

describe("a renewed session's old token", () => {
	it("never renews again: a second renewal of it is a new session, and the newest token stays the only one", async () => {
		const first = await issued();
		const second = await issued(first.token);
		expect(second).toMatchObject({ sessionId: first.sessionId, renewed: true });
		// The replaced token again: not this session any more.
		const again = await issued(first.token);
		expect(again.renewed).toBe(false);
		expect(again.sessionId).not.toBe(first.sessionId);
		// The newest token renews, once.
		const third = await issued(second.token);
		expect(third).toMatchObject({ sessionId: first.sessionId, renewed: true });
		expect((await issued(second.token)).sessionId).not.toBe(first.sessionId);
	});

	// Review 37 (docs/decisions/189-review-37s-findings.md §3): two renewals of one token sent at
	// once both answered renewed, so the session went on under two token lines. One process sees
	// every renewal: the second that comes while the first is in flight is told its token is
	// being replaced.
	it("renewed by two requests at once, continues under one of them only; the other is a new session", async () => {
		for (let round = 0; round < RENEWAL_PAIRS; round++) {
			const first = await issued();
			const both = await Promise.all([issued(first.token), issued(first.token)]);
			const renewed = both.filter((b) => b.renewed === true);
			expect(renewed, `round ${round}`).toHaveLength(1);
			expect(renewed[0]?.sessionId).toBe(first.sessionId);
			const other = both.find((b) => b.renewed !== true);
			expect(other?.sessionId).not.toBe(first.sessionId);
			// The one line goes on: its token renews, and the replaced token does not.
			expect((await issued(renewed[0]?.token)).renewed).toBe(true);
			expect((await issued(first.token)).renewed).toBe(false);
		}
	});

	it("each answer says when its token was issued: a renewal's is later, whatever its end (tabs judge newer by it)", async () => {
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			const first = await issued();
			expect(first.issuedAt).toBe(new Date(t0).toISOString());
			setMs(t0 + 100_000);
			const second = await issued(first.token);
			expect(second).toMatchObject({ sessionId: first.sessionId, renewed: true });
			expect(second.issuedAt).toBe(new Date(t0 + 100_000).toISOString());
		});
	});

	it("works for its short grace after the renewal, then reaches nothing; the new token goes on", async () => {
		const sku = await createProduct({ totalStock: 4, holdSeconds: 600, perUserLimit: 4 });
		await withHeldClock(async (setMs) => {
			const old = await issued();
			const hold = await call<Reservation>("POST", "/api/reservations", {
				token: old.token,
				body: { sku, quantity: 1 },
			});
			expect(hold.status).toBe(201);
			const holdId = hold.body.data?.reservationId as string;
			const renewedAtMs = Date.now();
			const fresh = await issued(old.token);
			expect(fresh.renewed).toBe(true);

			// A request another tab had in flight still works within the grace.
			setMs(renewedAtMs + REPLACED_TOKEN_GRACE_SECONDS * 1000 - 1_000);
			const inFlight = await call("GET", `/api/reservations/${holdId}`, { token: old.token });
			expect(inFlight.status, JSON.stringify(inFlight.body)).toBe(200);

			// Past it: 401 on the owner's routes and on live ones, saying why.
			setMs(renewedAtMs + REPLACED_TOKEN_GRACE_SECONDS * 1000 + 1_000);
			const read = await call("GET", `/api/reservations/${holdId}`, { token: old.token });
			expect(read.status).toBe(401);
			expect(read.body.error?.message).toBe(REPLACED_MESSAGE);
			const reserve = await call("POST", "/api/reservations", {
				token: old.token,
				body: { sku, quantity: 1 },
			});
			expect(reserve.status).toBe(401);
			// The new token is the same session: the hold is its own.
			const mine = await call<Reservation>("GET", `/api/reservations/${holdId}`, {
				token: fresh.token,
			});
			expect(mine.status, JSON.stringify(mine.body)).toBe(200);
			expect(mine.body.data?.status).toBe("RESERVED");
		});
	});

	it("ends a token renewed after its session ended too, though its hour of grace is not over", async () => {
		await withHeldClock(async (setMs) => {
			const old = await issued();
			setMs(Date.parse(old.expiresAt) + 60_000);
			const renewedAtMs = Date.now();
			const fresh = await issued(old.token);
			expect(fresh).toMatchObject({ sessionId: old.sessionId, renewed: true });
			setMs(renewedAtMs + REPLACED_TOKEN_GRACE_SECONDS * 1000 + 1_000);
			expect((await issued(old.token)).renewed).toBe(false);
			const orders = await call("GET", `/api/orders/${crypto.randomUUID()}`, { token: old.token });
			expect(orders.status).toBe(401);
		});
	});

	it("reads KV, not an isolate's cached copy, before renewing: a renewal elsewhere counts", async () => {
		const old = await issued();
		// This isolate has the token cached as live (a request of it was answered here).
		const live = await call("GET", `/api/orders/${crypto.randomUUID()}`, { token: old.token });
		expect(live.status).toBe(404);
		// Another isolate renewed it: KV says so, this isolate's cache does not know.
		const key = sessionKey(await sha256Hex(old.token));
		const stored = (await env.SESSIONS.get<Session>(key, "json")) as Session;
		await env.SESSIONS.put(
			key,
			JSON.stringify({ ...stored, replacedAt: new Date().toISOString() }),
			{ expirationTtl: 60 },
		);
		const again = await issued(old.token);
		expect(again.renewed).toBe(false);
		expect(again.sessionId).not.toBe(old.sessionId);
	});

	it("keeps the replaced token's KV record a few minutes past its grace, and no longer", async () => {
		// Past the grace is when the "replaced" answer begins: a record gone by then leaves every
		// isolate that has not cached it answering "unknown" (decision 173).
		const old = await issued();
		const renewedAtS = Math.floor(Date.now() / 1000);
		await issued(old.token);
		const key = sessionKey(await sha256Hex(old.token));
		const listed = await env.SESSIONS.list({ prefix: "session:" });
		const entry = listed.keys.find((k) => k.name === key);
		expect(entry?.expiration).toBeGreaterThan(renewedAtS + REPLACED_TOKEN_GRACE_SECONDS + 60);
		expect(entry?.expiration).toBeLessThanOrEqual(
			Math.ceil(Date.now() / 1000) + Math.max(60, REPLACED_TOKEN_RECORD_SECONDS) + 1,
		);
		expect(REPLACED_TOKEN_RECORD_SECONDS).toBeGreaterThanOrEqual(60); // KV's shortest TTL
	});
});
