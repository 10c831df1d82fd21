// Settling a checkout saga: the hold's transition, the saga row and the audit
// events are written in the caller's synchronous turn, one transaction — so a
// captured payment and its order (or a release and its reason) are never apart.

import type { SagaHost } from "./checkout.ts";
import { fail } from "./checkout-policy.ts";
import { type CheckoutRow, toOrder } from "./checkout-store.ts";
import type { CheckoutResult } from "./rpc.ts";

export interface Settler {
	host: SagaHost;
	/** Writes the row and keeps the alarm at its resume time. */
	save(row: CheckoutRow): void;
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

/** Definitely not captured: the units go back at once. */
export function failed(
	ctx: Settler,
	row: CheckoutRow,
	reason: string,
	message: string,
	nowMs: number,
): CheckoutResult {
	ctx.host.inventory()?.failCheckout(row.reservationId, nowMs, reason);
	row.step = "failed";
	row.resumeAtMs = null;
	row.outcome = fail("payment_declined", `${message} The reservation is released.`);
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
	row.outcome = fail(
		"payment_declined",
		"The payment provider did not confirm the charge in time. The reservation is released; any amount taken will be refunded.",
	);
	ctx.save(row);
	ctx.host.persist();
	return row.outcome;
}
