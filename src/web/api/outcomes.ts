// One human sentence per outcome a buyer or presenter can meet. Codes come from
// docs/api.md's table; the server's own message is kept as a fallback for anything new.

import type { PaymentFailureOutcome } from "../../shared/types.ts";
import type { ApiErr } from "./client.ts";

export interface OutcomeContext {
	perUserLimit?: number;
	/** When the drop opens, for not_started. */
	startsAt?: string | null;
	/** For purchase_limit: the units the session holds or bought, by the server's count. */
	usedUnits?: number;
}

export function seconds(n: number): string {
	return n === 1 ? "1 second" : `${n} seconds`;
}

export function describeError(err: ApiErr, context: OutcomeContext = {}): string {
	if (err.code === "payment_declined") return describePaymentFailure(err);
	// A limit's refusal counts by the server's figures when it gave them (docs/api.md).
	const limit =
		err.limit === undefined
			? {}
			: { perUserLimit: err.limit.perUserLimit, usedUnits: err.limit.usedUnits };
	return describeCode(err.code, err.message, err.retryAfterSeconds, { ...context, ...limit });
}

const PAYMENT_HEADLINE: Record<PaymentFailureOutcome, string> = {
	declined: "Card declined.",
	provider_error: "Payment provider error.",
	not_confirmed: "Payment not confirmed in time.",
};

/** A 402 in the server's own words, headed by which case it was (docs/api.md, error.payment). */
export function describePaymentFailure(err: ApiErr): string {
	if (err.payment === undefined) return err.message;
	return `${PAYMENT_HEADLINE[err.payment.outcome] ?? "Payment failed."} ${err.message}`;
}

export function describeCode(
	code: string,
	serverMessage: string,
	wait: number | null = null,
	context: OutcomeContext = {},
): string {
	switch (code) {
		case "sold_out":
			return "Sold out: every unit is held or sold. Holds that run out return to stock, so it may come back.";
		case "purchase_limit": {
			const limit = context.perUserLimit;
			if (limit === undefined) return "Purchase limit reached for this product.";
			const used = context.usedUnits;
			// Past the limit (lowered since, or units this tab does not show): "3 of 2", said plainly.
			if (used !== undefined && used > limit)
				return `Purchase limit reached: this session holds or bought ${used} of this product, in this tab or another, and each buyer may hold or buy ${limit}.`;
			// Under it: only the quantity asked would cross it, and the server's count says how
			// many units are left (a tab that missed another tab's hold offered more).
			if (used !== undefined && used < limit)
				return used === 0
					? `Each buyer may hold or buy ${limit} of this product: you can reserve up to ${limit}.`
					: `Each buyer may hold or buy ${limit} of this product, and this session holds or bought ${used}, in this tab or another: you can reserve ${limit - used} more.`;
			return `Purchase limit reached: each buyer may hold or buy ${limit} of this product.`;
		}
		case "queued":
			return "This drop has a waiting room: it is not your turn to reserve yet. Your place is below.";
		case "rate_limited":
			return wait !== null
				? `Too many requests. Please wait ${seconds(wait)} and try again.`
				: "Too many requests. Please wait a moment and try again.";
		case "hold_cooldown":
			// The session's own hold ended unpaid a moment ago (docs/api.md, Reservations).
			return wait !== null
				? `Your last hold on this product ended without a payment, so its units went to other buyers first. You can reserve it again in ${seconds(wait)}.`
				: "Your last hold on this product ended without a payment, so its units went to other buyers first. You can reserve it again in a moment.";
		case "reservation_expired":
			return "Your hold expired before payment, so the units went back to stock. Reserve again if any are left.";
		case "payment_declined":
			// A declined card, a failing provider and an unconfirmed charge all end here, with
			// different truths about money and the hold: the server's own sentence says which.
			return serverMessage;
		case "not_started":
			return context.startsAt
				? `The drop has not started yet: it opens at ${new Date(context.startsAt).toLocaleTimeString()}.`
				: "The drop has not started yet.";
		case "invalid_state":
			return "This hold can no longer be paid: it was cancelled, released or already paid.";
		case "unauthorized":
			return "Your session has ended. Please verify again to continue.";
		case "turnstile_failed":
			return "The human check did not pass. Please try it again.";
		case "unknown_sku":
			return "This product does not exist.";
		case "cost_limit":
			return "The demo cost limit for this session was reached: requests are refused so real spend stays at zero.";
		case "unavailable":
			return wait !== null
				? `The service is busy. Please retry in ${seconds(wait)}.`
				: "The service is busy. Please retry shortly.";
		case "network_error":
			return `${serverMessage} Check your connection and try again.`;
		default:
			return serverMessage;
	}
}
