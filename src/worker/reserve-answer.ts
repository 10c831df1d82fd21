// The HTTP answer of a reserve decision (routes/reservations.ts): the hold, or the refusal with
// the sentence a buyer reads. The refusals the edge answers from its copy keep their default
// sentence (worker/http.ts); these are the object's and eventual mode's.

import type { ReserveResult } from "../inventory/rpc.ts";
import { cooldownMessage } from "../shared/cooldown-message.ts";
import { limitMessage } from "../shared/limit-message.ts";
import type { Ticket } from "../shared/types.ts";
import { type Ctx, fail, ok } from "./http.ts";
import { refuseReserve } from "./middleware/ratelimit.ts";

export function answerReserve(c: Ctx, sku: string, result: ReserveResult): Response {
	if (result.ok) return ok(c, result.reservation, 201);
	if (result.code === "rate_limited") return refuseReserve(c, result.refusal);
	if (result.code === "queued") {
		return fail(
			c,
			"queued",
			queuedMessage(result.ticket),
			{
				"Retry-After": String(result.retryAfterSeconds),
			},
			{ ticket: result.ticket },
		);
	}
	if (result.code === "hold_cooldown") {
		const seconds = result.retryAfterSeconds;
		return fail(
			c,
			"hold_cooldown",
			cooldownMessage(sku, seconds),
			{ "Retry-After": String(seconds) },
			{ retryAfterSeconds: seconds },
		);
	}
	if (result.code === "purchase_limit") {
		// The session's count beside the limit when the decision carried it (docs/api.md,
		// Reservations): a page that sees only some of the session's units can say so.
		const { perUserLimit, usedUnits } = result;
		const limit =
			perUserLimit === undefined || usedUnits === undefined
				? undefined
				: { limit: { perUserLimit, usedUnits } };
		return fail(c, "purchase_limit", limitMessage(sku, result), undefined, limit);
	}
	return fail(c, result.code);
}

/**
 * The 429 `queued` sentence. An expired or sold-out ticket is final (one admission per
 * ticket, one ticket per session: docs/waiting-room.md), so it must not read as "wait".
 */
export function queuedMessage(ticket: Ticket | null): string {
	if (ticket === null)
		return "This product has a waiting room: join the queue (POST /api/products/:sku/queue) and reserve once admitted.";
	if (ticket.state === "expired")
		return "Your turn to reserve is over (ticket expired): each session gets one admission, so this session cannot reserve this drop again.";
	if (ticket.state === "sold_out")
		return "Sold out: the waiting room's stock ran out before this ticket's turn (ticket sold_out); it will not be admitted.";
	return `You are in the waiting room (ticket ${ticket.state}); reserve once admitted.`;
}
