// The HTTP answer of a reserve decision (routes/reservations.ts): the hold, or the refusal with
// the sentence a buyer reads. The refusals the edge answers from its copy keep their default
// sentence (worker/http.ts); these are the object's and eventual mode's.

import type { ReserveResult } from "../inventory/rpc.ts";
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
	if (result.code === "purchase_limit") return fail(c, "purchase_limit", limitMessage(sku, result));
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

function units(n: number): string {
	return `${n} ${n === 1 ? "unit" : "units"}`;
}

/**
 * The 403 `purchase_limit` sentence: the limit's number, and whether the session is already at
 * it or only this quantity would cross it (docs/decisions/106-room-answers-limits-and-the-cost-lock.md).
 * An outcome stored before the figures were carried keeps the default sentence.
 */
export function limitMessage(
	sku: string,
	figures: { perUserLimit?: number; usedUnits?: number; askedUnits?: number },
): string | undefined {
	const { perUserLimit, usedUnits, askedUnits } = figures;
	if (perUserLimit === undefined) return undefined;
	if (usedUnits === undefined) {
		// Eventual mode refuses a quantity over the limit before it counts the session's units.
		if (askedUnits === undefined) return undefined;
		return `The per-buyer limit of ${sku} is ${units(perUserLimit)}: this session asked for ${askedUnits}, more than it allows.`;
	}
	if (usedUnits >= perUserLimit)
		return `This session already holds or bought the per-buyer limit of ${units(perUserLimit)} of ${sku}.`;
	const asked = askedUnits === undefined ? "" : ` and asked for ${askedUnits}`;
	return `The per-buyer limit of ${sku} is ${units(perUserLimit)}: this session holds or bought ${usedUnits}${asked}, which would cross it.`;
}
