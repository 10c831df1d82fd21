// Settling a checkout saga: the hold's transition, the saga row and the audit
// events are written in the caller's synchronous turn, one transaction — so a
// captured payment and its order (or a release and its reason) are never apart.

import type { PaymentFailure } from "../shared/types.ts";
import type { SagaHost } from "./checkout.ts";
import { fail, MAX_FAILED_PAYMENTS_PER_HOLD } from "./checkout-policy.ts";
import { type CheckoutRow, toOrder } from "./checkout-store.ts";
import type { CheckoutResult } from "./rpc.ts";

export interface Settler {
	host: SagaHost;
	/** Writes the row and keeps the alarm at its resume time. */
	save(row: CheckoutRow): void;
	/** Files a failed payment whose hold is kept and frees the reservation for the next one. */
	retire(row: CheckoutRow, nowMs: number): void;
}

/** A payment the provider answered with "not taken": a declined card, or a refusal. */
export interface DefiniteFailure {
	outcome: "declined" | "provider_error";
	reason: string;
}

/** Captured: the order and the PAID hold are written in one transaction. */
export function paid(
	ctx: Settler,
	row: CheckoutRow,
	paymentId: string | null,
	nowMs: number,
): CheckoutResult {
	const inv = ctx.host.inventory();
	const hold = inv?.activeHold(row.reservationId);
	if (inv === null || hold === undefined || hold.status !== "CHECKOUT_PENDING") {
		// Cannot happen while the saga owns the hold; if it does, the money must go back.
		row.step = paymentId === null ? "failed" : "refunding";
		row.paymentId = paymentId;
		row.resumeAtMs = paymentId === null ? null : nowMs;
		row.outcome = fail(
			"invalid_state",
			"The reservation is no longer held; any amount taken will be refunded.",
		);
		ctx.save(row);
		return row.outcome;
	}
	inv.note({
		type: "payment.succeeded",
		atMs: nowMs,
		reservationId: row.reservationId,
		orderId: row.orderId,
		sessionId: row.sessionId,
		detail: {
			paymentId,
			amountCents: row.amountCents,
			currency: row.currency,
			attempts: row.chargeAttempts,
		},
	});
	inv.completeCheckout(row.reservationId, row.orderId, nowMs);
	row.step = "paid";
	row.paymentId = paymentId;
	row.paidAtMs = nowMs;
	row.resumeAtMs = null;
	row.outcome = { ok: true, order: toOrder(inv.product.sku, row) };
	ctx.save(row);
	ctx.host.persist();
	return row.outcome;
}

/**
 * Definitely not captured. Within MAX_FAILED_PAYMENTS_PER_HOLD and the hold's own
 * expiresAt the hold goes back to RESERVED for another payment method; otherwise
 * the units go back at once (PAYMENT_FAILED).
 */
export function failed(
	ctx: Settler,
	row: CheckoutRow,
	failure: DefiniteFailure,
	nowMs: number,
): CheckoutResult {
	const inv = ctx.host.inventory();
	const failedPayments = row.priorFailures + 1;
	const reason = `${failure.outcome === "declined" ? "declined" : "provider error"}: ${failure.reason}`;
	const payment: Omit<PaymentFailure, "holdKept"> = {
		outcome: failure.outcome,
		charged: "no",
		failedPayments,
		maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
	};
	const what =
		failure.outcome === "declined"
			? `The payment was declined (${failure.reason}); nothing was charged.`
			: `The payment provider failed (${failure.reason}) and did not take the payment; nothing was charged.`;
	row.step = "failed";
	row.resumeAtMs = null;

	if (failedPayments < MAX_FAILED_PAYMENTS_PER_HOLD && inv !== null) {
		const kept = inv.reopenCheckout(row.reservationId, nowMs, {
			reason,
			failedPayments,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		});
		if (kept.ok) {
			const left = MAX_FAILED_PAYMENTS_PER_HOLD - failedPayments;
			row.outcome = fail(
				"payment_declined",
				`${what} Your hold is kept until it expires: pay with another method (${left} more failed payment${left === 1 ? "" : "s"} and the hold is released).`,
				{ ...payment, holdKept: true },
			);
			ctx.retire(row, nowMs);
			ctx.host.persist();
			return row.outcome;
		}
	}
	inv?.failCheckout(row.reservationId, nowMs, reason);
	const why =
		failedPayments >= MAX_FAILED_PAYMENTS_PER_HOLD
			? `That was failed payment ${failedPayments} of ${MAX_FAILED_PAYMENTS_PER_HOLD} allowed on this hold, so the reservation is released`
			: "The hold's time ran out during the payment, so the reservation is released";
	row.outcome = fail("payment_declined", `${what} ${why} and its units went back to stock.`, {
		...payment,
		holdKept: false,
	});
	ctx.save(row);
	ctx.host.persist();
	return row.outcome;
}

/** Still unknown at the bound: release the units now, find and refund any capture later. */
export function giveUp(ctx: Settler, row: CheckoutRow, nowMs: number): CheckoutResult {
	ctx.host
		.inventory()
		?.failCheckout(
			row.reservationId,
			nowMs,
			`payment outcome unknown after ${row.chargeAttempts} attempts`,
		);
	row.step = "compensating";
	row.resumeAtMs = nowMs;
	// Money may have moved: never "nothing was charged" here.
	row.outcome = fail(
		"payment_declined",
		"The payment provider did not confirm the charge in time, so it is not known yet whether money was taken. The reservation is released; any amount taken will be refunded.",
		{
			outcome: "not_confirmed",
			charged: "unknown",
			holdKept: false,
			failedPayments: row.priorFailures + 1,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		},
	);
	ctx.save(row);
	ctx.host.persist();
	return row.outcome;
}
