// What one payment of a reservation is, as the checkout saga keeps it
// (src/domain/checkout-saga.ts moves it from step to step): its state, the request
// that starts it and the answer it gives, and what is derived from the state alone
// (the provider request, the order). Pure: no storage, no clock.

import type { ChargeRequest } from "../payment/provider.ts";
import type { Order, PaymentFailure } from "../shared/types.ts";
import { providerKey, RESUME_GRACE_MS } from "./checkout-policy.ts";

export interface CheckoutRequest {
	reservationId: string;
	sessionId: string;
	/** The client's Idempotency-Key: the same key answers the same outcome (docs/api.md). */
	idempotencyKey: string;
	paymentMethod: string;
	/** Minted by the caller so the id encodes the SKU; used only when this request starts the saga. */
	orderId: string;
}

export type CheckoutFailureCode =
	| "not_found"
	| "invalid_request"
	| "invalid_state"
	| "reservation_expired"
	| "payment_declined";

export type CheckoutResult =
	| { ok: true; order: Order; replayed?: boolean }
	| {
			ok: false;
			code: CheckoutFailureCode;
			message: string;
			/** With payment_declined: which failure, and whether the hold was kept. */
			payment?: PaymentFailure;
			replayed?: boolean;
	  };

/**
 * Where one payment of a reservation stands.
 * - charging: the hold is CHECKOUT_PENDING; asking the provider (same key on every attempt).
 * - paid: the order exists (terminal).
 * - failed: nothing was captured; the units went back (terminal).
 * - compensating: the units went back but a capture may exist; ask again with the same key.
 * - refunding: a capture exists without an order; refund it.
 * - refunded: captured, then refunded (terminal).
 * - unresolved: compensation ran out of attempts; an operator must reconcile (terminal).
 * A failed payment that keeps the hold is not a step: its state is retired (kept
 * only to answer its client key) and the next payment starts a new saga.
 */
export type CheckoutStep =
	| "charging"
	| "paid"
	| "failed"
	| "compensating"
	| "refunding"
	| "refunded"
	| "unresolved";

export interface SagaState {
	reservationId: string;
	orderId: string;
	sessionId: string;
	/** The client's Idempotency-Key that started this checkout. */
	clientKey: string;
	paymentMethod: string;
	quantity: number;
	/** Fixed when the checkout starts: a retry must send the provider the same parameters. */
	amountCents: number;
	currency: string;
	step: CheckoutStep;
	chargeAttempts: number;
	compensationAttempts: number;
	paymentId: string | null;
	/** The payment window: the hold may stay CHECKOUT_PENDING until then (a resume extends it). */
	deadlineMs: number;
	/** When the alarm should look at this saga if nobody is driving it; null once settled. */
	resumeAtMs: number | null;
	/** The answer to the client, once there is one (replayed for the same key). */
	outcome: CheckoutResult | null;
	createdAtMs: number;
	paidAtMs: number | null;
	/** Failed payments of this reservation before this one (fixed while this saga lives). */
	priorFailures: number;
}

/** A failed payment after which the hold was kept: its outcome, replayed for its client key. */
export interface FailedPayment {
	reservationId: string;
	sessionId: string;
	clientKey: string;
	paymentMethod: string;
	outcome: CheckoutResult;
}

export type BeginParams = Pick<
	SagaState,
	| "reservationId"
	| "orderId"
	| "sessionId"
	| "clientKey"
	| "paymentMethod"
	| "quantity"
	| "amountCents"
	| "currency"
	| "priorFailures"
>;

export const INTERRUPTED = "The checkout was interrupted; it will be settled shortly.";

export function fail(
	code: CheckoutFailureCode,
	message: string,
	payment?: PaymentFailure,
): CheckoutResult {
	return payment === undefined
		? { ok: false, code, message }
		: { ok: false, code, message, payment };
}

/** A new payment of a reservation whose hold just became CHECKOUT_PENDING until `deadlineMs`. */
export function begin(params: BeginParams, nowMs: number, deadlineMs: number): SagaState {
	return {
		...params,
		step: "charging",
		chargeAttempts: 0,
		compensationAttempts: 0,
		paymentId: null,
		deadlineMs,
		resumeAtMs: nowMs + RESUME_GRACE_MS,
		outcome: null,
		createdAtMs: nowMs,
		paidAtMs: null,
	};
}

/** Should the alarm drive this saga now? A charge nobody drives resumes at once. */
export function dueForResume(state: SagaState, nowMs: number): boolean {
	if (state.resumeAtMs === null) return false;
	return state.step === "charging" || state.resumeAtMs <= nowMs;
}

/** Every field is fixed by the state, so a retry sends the provider exactly the same request
 * (a provider refuses a reused key with different parameters). */
export function chargeRequest(state: SagaState): ChargeRequest {
	return {
		amountCents: state.amountCents,
		currency: state.currency,
		paymentMethod: state.paymentMethod,
		idempotencyKey: providerKey(state.reservationId, state.priorFailures),
		description: `Revenue Guard order ${state.orderId}`,
		metadata: { reservationId: state.reservationId, orderId: state.orderId },
	};
}

export function toOrder(sku: string, state: SagaState): Order {
	return {
		orderId: state.orderId,
		reservationId: state.reservationId,
		sku,
		quantity: state.quantity,
		amountCents: state.amountCents,
		currency: state.currency,
		status: state.step === "refunded" ? "REFUNDED" : "PAID",
		paidAt: new Date(state.paidAtMs ?? state.createdAtMs).toISOString(),
	};
}
