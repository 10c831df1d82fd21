// A session's end and what it owns (docs/decisions/086-a-sessions-end-and-what-it-owns.md): a
// hold may end after the session that took it, and its owner keeps reading, paying and
// cancelling it; a buyer who passes the human check again with `renewToken` is the same
// session, holds and waiting-room place included. The clock is the test's own (held-clock.ts):
// the edge and the objects read the same Date.now().
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import type { Order, Reservation, Ticket } from "../../src/shared/types.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, createProduct, DEBUG } from "./helpers.ts";
import { createRoom } from "./room-support.ts";

type Issued = {
	sessionId: string;
	token: string;
	expiresAt: string;
	expiresInSeconds: number;
	renewed?: boolean;
};

async function session(renewToken?: unknown) {
	return call<Issued>("POST", "/api/sessions", {
		body:
			renewToken === undefined ? { turnstileToken: DEBUG } : { turnstileToken: DEBUG, renewToken },
	});
}

async function issued(renewToken?: string): Promise<Issued> {
	const res = await session(renewToken);
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Issued;
}

const reserve = (token: string, sku: string, quantity = 1) =>
	call<Reservation>("POST", "/api/reservations", { token, body: { sku, quantity } });

describe("a session's end and what it owns", () => {
	it("lets the owner read, pay and cancel holds that outlive the session, until its grace ends", async () => {
		const sku = await createProduct({ totalStock: 4, holdSeconds: 600, perUserLimit: 4 });
		await withHeldClock(async (setMs) => {
			const buyer = await issued();
			const endMs = Date.parse(buyer.expiresAt);
			// Two holds taken in the session's last seconds: each ends ~10 minutes after it.
			setMs(endMs - 5_000);
			const paid = await reserve(buyer.token, sku);
			const cancelled = await reserve(buyer.token, sku);
			expect(paid.status).toBe(201);
			expect(cancelled.status).toBe(201);
			const paidId = paid.body.data?.reservationId as string;
			const cancelledId = cancelled.body.data?.reservationId as string;
			expect(Date.parse(paid.body.data?.expiresAt as string)).toBeGreaterThan(endMs);

			setMs(endMs + 10_000);
			// A new hold needs a live session, as before.
			const late = await reserve(buyer.token, sku);
			expect(late.status).toBe(401);
			expect(late.body.error?.message).toBe("The session has expired; start a new one.");
			// The holds it took are still its buyer's, until their own expiresAt.
			const read = await call<Reservation>("GET", `/api/reservations/${paidId}`, {
				token: buyer.token,
			});
			expect(read.status, JSON.stringify(read.body)).toBe(200);
			expect(read.body.data?.status).toBe("RESERVED");
			const order = await call<Order>("POST", "/api/checkout", {
				token: buyer.token,
				body: { reservationId: paidId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": crypto.randomUUID() },
			});
			expect(order.status, JSON.stringify(order.body)).toBe(200);
			expect(order.body.data?.status).toBe("PAID");
			const orderRead = await call<Order>("GET", `/api/orders/${order.body.data?.orderId}`, {
				token: buyer.token,
			});
			expect(orderRead.status).toBe(200);
			const cancel = await call<Reservation>("DELETE", `/api/reservations/${cancelledId}`, {
				token: buyer.token,
			});
			expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
			expect(cancel.body.data?.status).toBe("CANCELLED");
			// Another session still cannot see them.
			const stranger = await issued();
			const theirs = await call("GET", `/api/reservations/${paidId}`, { token: stranger.token });
			expect(theirs.status).toBe(404);

			// Past the grace the token is over for everything.
			setMs(endMs + SESSION_GRACE_SECONDS * 1000 + 1_000);
			const gone = await call("GET", `/api/reservations/${paidId}`, { token: buyer.token });
			expect(gone.status).toBe(401);
		});
	});

	it("keeps a session's KV record for its grace after its end", async () => {
		const s = await issued();
		const listed = await env.SESSIONS.list({ prefix: "session:" });
		const key = sessionKey(await sha256Hex(s.token));
		const entry = listed.keys.find((k) => k.name === key);
		expect(entry?.expiration).toBeGreaterThanOrEqual(
			Math.floor(Date.parse(s.expiresAt) / 1000) + SESSION_GRACE_SECONDS - 1,
		);
	});

	it("renews a session with renewToken: the same sessionId, its hold and its waiting-room place", async () => {
		const sku = await createRoom({ totalStock: 1, holdSeconds: 3600 });
		await withHeldClock(async (setMs) => {
			// The one unit is held for an hour; A then B wait behind it.
			const first = await issued();
			expect(
				(await call("POST", `/api/products/${sku}/queue`, { token: first.token })).status,
			).toBe(201);
			expect((await reserve(first.token, sku)).status).toBe(201);
			const a = await issued();
			const b = await issued();
			const ticketA = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: a.token });
			const ticketB = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: b.token });
			expect(ticketB.body.data?.position).toBe(2);

			// B's session ends while B waits; the ticket read then needs a live session.
			setMs(Date.parse(b.expiresAt) + 10_000);
			const read = await call("GET", `/api/products/${sku}/queue`, { token: b.token });
			expect(read.status).toBe(401);
			// B passes the check again, naming the ended session: the same session comes back.
			const renewed = await issued(b.token);
			expect(renewed).toMatchObject({ sessionId: b.sessionId, renewed: true });
			expect(renewed.token).not.toBe(b.token);
			expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now());
			const mine = await call<Ticket>("GET", `/api/products/${sku}/queue`, {
				token: renewed.token,
			});
			expect(mine.status, JSON.stringify(mine.body)).toBe(200);
			expect(mine.body.data).toMatchObject({
				ticketId: ticketB.body.data?.ticketId,
				state: "waiting",
				position: 2,
			});
			// A is still ahead of B: nobody's place moved.
			const renewedA = await issued(a.token);
			const stillFirst = await call<Ticket>("GET", `/api/products/${sku}/queue`, {
				token: renewedA.token,
			});
			expect(stillFirst.body.data).toMatchObject({
				ticketId: ticketA.body.data?.ticketId,
				position: 1,
			});
		});
	});

	it("gives a new session, renewed false, when renewToken names no session it can renew", async () => {
		const unknown = await issued("f".repeat(64));
		expect(unknown.renewed).toBe(false);
		const odd = await issued("not a token");
		expect(odd.renewed).toBe(false);
		// Without renewToken the answer is as it always was.
		expect("renewed" in (await issued())).toBe(false);
		await withHeldClock(async (setMs) => {
			const old = await issued();
			setMs(Date.parse(old.expiresAt) + SESSION_GRACE_SECONDS * 1000 + 1_000);
			const fresh = await issued(old.token);
			expect(fresh.renewed).toBe(false);
			expect(fresh.sessionId).not.toBe(old.sessionId);
		});
	});

	it("refuses a renewToken that is not a string, naming it", async () => {
		for (const renewToken of [42, "", "x".repeat(513)]) {
			const res = await session(renewToken);
			expect(res.status).toBe(400);
			expect(res.body.error?.message).toContain("renewToken");
		}
	});
});
