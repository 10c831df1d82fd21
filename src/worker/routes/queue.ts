// The waiting room's buyer routes (docs/api.md v1.1 "Waiting room", docs/waiting-room.md):
// take a ticket, read it. The room itself lives in the SKU's object (inventory/waiting-room.ts).

import { Hono } from "hono";
import type { JoinFrom } from "../../domain/waiting-room.ts";
import type { JoinResult } from "../../inventory/rpc.ts";
import { joinLimitMessage } from "../../shared/limit-message.ts";
import { bodyWithinBound } from "../body.ts";
import { requireKnownSku } from "../catalogue.ts";
import { hasRead } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { newId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";

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
 * "What a determined script can still gain"): the session's ipHash, and whether the edge saw it
 * read the product. With RATE_LIMITS=off neither counts. An operator's load-test session
 * (POST /api/admin/sessions) is not counted against an address: the operator made it.
 */
function joinFrom(c: Ctx, sku: string, sessionId: string): JoinFrom | undefined {
	const limits = c.get("config").rateLimits;
	const session = c.get("session");
	if (limits === null || session === undefined) return undefined;
	return {
		clientKey: session.loadTest === true ? null : session.ipHash,
		unread: !hasRead(sku, sessionId),
		perAddress: limits.roomTickets,
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
		joinFrom(c, sku, sessionId),
	);
	return answer(c, sku, result);
});

queue.get("/:sku/queue", async (c) => {
	const sku = c.req.param("sku");
	await requireKnownSku(c, sku);
	const result = await inventory(c.env, sku).queueTicket(sessionOf(c));
	return answer(c, sku, result);
});
