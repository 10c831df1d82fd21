// The saga's compensation, run from the alarm after the units went back while a
// capture may exist (outcome unknown at the bound, or an operator reset mid-charge):
// ask the provider again with the same key — a replay, never a second capture —
// and refund whatever it says was taken. Bounded; past the bound an operator
// reconciles by hand (the row stays, step "unresolved").

import type { PaymentProvider } from "../payment/index.ts";
import {
	CHARGE_ATTEMPT_TIMEOUT_MS,
	COMPENSATION_RETRY_BASE_MS,
	COMPENSATION_RETRY_MAX_MS,
	chargeRequest,
	MAX_COMPENSATION_ATTEMPTS,
	refundKey,
	retryDelayMs,
} from "./checkout-policy.ts";
import type { Settler } from "./checkout-settle.ts";
import type { CheckoutRow, CheckoutStore } from "./checkout-store.ts";

export interface CompensationContext extends Settler {
	rows: CheckoutStore;
	provider(): PaymentProvider;
}

export async function compensate(id: string, ctx: CompensationContext): Promise<void> {
	const opts = { timeoutMs: CHARGE_ATTEMPT_TIMEOUT_MS };
	for (;;) {
		const row = ctx.rows.get(id);
		if (row === null || (row.step !== "compensating" && row.step !== "refunding")) return;
		if (row.compensationAttempts >= MAX_COMPENSATION_ATTEMPTS) {
			unresolved(ctx, row, "compensation ran out of attempts");
			return;
		}
		row.compensationAttempts += 1;
		const backoffMs = retryDelayMs(
			COMPENSATION_RETRY_BASE_MS,
			row.compensationAttempts,
			COMPENSATION_RETRY_MAX_MS,
		);
		row.resumeAtMs = Date.now() + CHARGE_ATTEMPT_TIMEOUT_MS + backoffMs;
		ctx.save(row); // durable before the provider hears of it

		if (row.step === "compensating") {
			const outcome = await ctx.provider().charge(chargeRequest(row), opts);
			const current = ctx.rows.get(id);
			if (current === null || current.step !== "compensating") return;
			if (outcome.kind === "unknown") return; // the alarm asks again at resume_at
			if (outcome.kind === "succeeded") {
				current.step = "refunding";
				current.paymentId = outcome.paymentId;
			} else {
				current.step = "failed"; // declined or refused: nothing was taken
				current.resumeAtMs = null;
			}
			ctx.save(current);
			continue;
		}

		if (row.paymentId === null) {
			row.step = "failed"; // a free order: nothing was taken
			row.resumeAtMs = null;
			ctx.save(row);
			return;
		}
		const refund = await ctx.provider().refund(row.paymentId, refundKey(id), opts);
		if (refund.kind === "unknown") return;
		const current = ctx.rows.get(id);
		if (current === null) return;
		if (refund.kind === "error") {
			unresolved(ctx, current, `refund refused: ${refund.reason}`);
			return;
		}
		current.step = "refunded";
		current.resumeAtMs = null;
		ctx.save(current);
		ctx.host.inventory()?.note({
			type: "payment.refunded",
			atMs: Date.now(),
			reservationId: id,
			sessionId: current.sessionId,
			detail: {
				paymentId: current.paymentId,
				refundId: refund.refundId,
				amountCents: current.amountCents,
				currency: current.currency,
			},
		});
		ctx.host.persist();
		return;
	}
}

function unresolved(ctx: CompensationContext, row: CheckoutRow, reason: string): void {
	// Money may be held without an order: loud, and kept for an operator.
	console.error("checkout compensation needs an operator", {
		reservationId: row.reservationId,
		paymentId: row.paymentId,
		reason,
	});
	row.step = "unresolved";
	row.resumeAtMs = null;
	ctx.save(row);
}
