// The waiting room's buyer routes (docs/api.md v1.1 "Waiting room", docs/waiting-room.md):
// take a ticket, read it. The room itself lives in the SKU's object (inventory/waiting-room.ts).

import { Hono } from "hono";
import type { JoinFrom } from "../../domain/waiting-room.ts";
import type { JoinResult } from "../../inventory/rpc.ts";
import { joinLimitMessage } from "../../shared/limit-message.ts";
import { bodyWithinBound } from "../body.ts";
import { requireKnownSku } from "../catalogue.ts";
import { clientKeyOf } from "../client-ip.ts";
import { hasRead } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { newId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";
import { hashClockMs } from "../middleware/ratelimit.ts";
import { addressHashes } from "../secrets.ts";
import { sessionIpHash } from "../sessions.ts";

/** Retry-After of a join refused because the room holds MAX_TICKETS already. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 30;

export const queue = new Hono<AppEnv>();
queue.use("/:sku/queue", requireSession);

function sessionOf(c: Ctx): string {
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	return session.sessionId;
}

/**
 * Who joins, for the room's per-address cap and its share of unread tickets (docs/waiting-room.md
 * "What a determined script can still gain"): the hash of the address the join comes from (as a
 * session's ipHash is made), and whether the edge saw it read the product. The cap is the IPv6
 * prefix's (RATE_LIMIT_ROOM_TICKETS) or the IPv4 address's (RATE_LIMIT_ROOM_TICKETS_IPV4, none by
 * default: a carrier-grade NAT puts thousands of people behind one, decision 136), chosen by the
 * join's own address so that the key and its cap always agree. With RATE_LIMITS=off neither
 * counts. An operator's load-test session (POST /api/admin/sessions) is not counted against an
 * address: the operator made it.
 */
async function joinFrom(c: Ctx, sku: string, sessionId: string): Promise<JoinFrom | undefined> {
	const limits = c.get("config").rateLimits;
	const session = c.get("session");
	if (limits === null || session === undefined) return undefined;
	const unread = !hasRead(sku, sessionId);
	const key = clientKeyOf(c);
	// An IPv6 client's key is its prefix, and only an IPv6 key has a colon (domain/client-key.ts).
	const perAddress = key.includes(":") ? limits.roomTickets : limits.roomTicketsIpv4;
	if (session.loadTest === true) return { clientKey: null, unread, perAddress };
	// Kept with the ticket even when uncapped, so a cap set later counts the places already held.
	// Yesterday's hash beside it: the address's tickets taken before midnight UTC still count
	// (decision 160).
	const hash = await addressHashes(c.get("config").ipHashSecret, key, hashClockMs(c));
	return {
		clientKey: sessionIpHash(hash.today),
		formerKey: sessionIpHash(hash.yesterday),
		unread,
		perAddress,
	};
}

function answer(c: Ctx, sku: string, result: JoinResult | { ok: false; code: "not_found" }) {
	if (result.ok) return ok(c, result.ticket, result.created ? 201 : 200);
	switch (result.code) {
		case "invalid_state":
			return fail(c, "invalid_state", `The product ${sku} has no waiting room open.`);
		case "address_full":
			return fail(
				c,
				"rate_limited",
				`This network address already holds ${result.perAddress} places in the waiting room of ${sku}, the most one address may hold; retry once one of them has had its turn.`,
				{ "Retry-After": String(QUEUE_FULL_RETRY_AFTER_SECONDS) },
			);
		case "queue_full":
			return fail(c, "unavailable", "The waiting room is full; retry shortly.", {
				"Retry-After": String(QUEUE_FULL_RETRY_AFTER_SECONDS),
			});
		case "unread_full":
			// The room has places, kept for sessions that read (decision 130): say what gets one.
			return fail(
				c,
				"unavailable",
				`The places left in the waiting room of ${sku} are kept for visitors who have viewed the product: view it (reload the product's page), then join again.`,
				{ "Retry-After": String(QUEUE_FULL_RETRY_AFTER_SECONDS) },
			);
		case "purchase_limit":
			// The session's count rides beside the limit (additive, docs/api.md "Waiting room"): a page
			// that sees only some of the session's units (another tab's) can say "3 of 2".
			return fail(
				c,
				"purchase_limit",
				joinLimitMessage(sku, result.perUserLimit, result.usedUnits),
				undefined,
				{ limit: { perUserLimit: result.perUserLimit, usedUnits: result.usedUnits } },
			);
		case "not_found":
			return fail(c, "not_found", "This session has no ticket for this product.");
		default:
			return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	}
}

queue.post("/:sku/queue", bodyWithinBound, async (c) => {
	const sku = c.req.param("sku");
	await requireKnownSku(c, sku);
	const sessionId = sessionOf(c);
	// The read the edge saw rides with the ticket (inventory/readers.ts), as with an attempt.
	const result = await inventory(c.env, sku).joinQueue(
		sessionId,
		newId("tkt", sku),
		hasRead(sku, sessionId),
		await joinFrom(c, sku, sessionId),
	);
	return answer(c, sku, result);
});

queue.get("/:sku/queue", async (c) => {
	const sku = c.req.param("sku");
	await requireKnownSku(c, sku);
	const sessionId = sessionOf(c);
	// The read the edge saw rides with the ticket read too: a read after an unread join (one the
	// object never saw, or forgot in its sleep) gives the whole turn (docs/decisions/142-a-read-after-the-join.md).
	const result = await inventory(c.env, sku).queueTicket(sessionId, hasRead(sku, sessionId));
	return answer(c, sku, result);
});
