// The checkout saga's limits and the provider requests it derives from a saga row.
// Pure: no storage, no clock.

import type { Hold } from "../domain/inventory.ts";
import type { ChargeRequest } from "../payment/index.ts";
import type { PaymentFailure } from "../shared/types.ts";
import type { CheckoutRow, FailedPayment } from "./checkout-store.ts";
import type { CheckoutFailureCode, CheckoutRequest, CheckoutResult } from "./rpc.ts";

/** How long a hold may stay CHECKOUT_PENDING (PAYMENT_TIMEOUT_MS): bounds with the configuration. */
export { DEFAULT_CHECKOUT_TIMEOUT_MS, MIN_CHECKOUT_TIMEOUT_MS } from "../shared/config.ts";
/** One provider call gives up after this and counts as `unknown`. */
export const CHARGE_ATTEMPT_TIMEOUT_MS = 5_000;
/** A last attempt close to the deadline still gets this long. */
export const MIN_CHARGE_ATTEMPT_TIMEOUT_MS = 250;
/** Charge attempts per reservation, all with the same provider key. */
export const MAX_CHARGE_ATTEMPTS = 3;
export const CHARGE_RETRY_BASE_MS = 200;
export const CHARGE_RETRY_MAX_MS = 2_000;
/** The alarm resumes a saga nobody drives once its attempt should have ended by this margin. */
export const RESUME_GRACE_MS = 1_000;
/** Probes and refunds after the units went back; then an operator must reconcile. */
export const MAX_COMPENSATION_ATTEMPTS = 12;
export const COMPENSATION_RETRY_BASE_MS = 1_000;
export const COMPENSATION_RETRY_MAX_MS = 60_000;
/** Sagas one alarm run resumes; the rest wait for the next run. */
export const MAX_SAGAS_PER_ALARM = 32;
/**
 * Failed payments (declined, or refused by the provider: nothing taken) a hold
 * tolerates. Each of the first MAX − 1 keeps the hold RESERVED until its own
 * expiresAt so the buyer can try another method; the MAX-th releases it
 * (PAYMENT_FAILED, units back at once). Three: the first card and two others is
 * what a buyer with a wrong card needs, while a bot testing stolen cards gets at
 * most three tries per hold before the units go back to real buyers
 * (docs/decisions/006-failed-payments-keep-the-hold.md).
 */
export const MAX_FAILED_PAYMENTS_PER_HOLD = 3;

/**
 * One provider key per payment attempt of a reservation: every retry of one attempt
 * (any copy of its client key, a resume after a crash) reuses it, so an attempt is
 * captured at most once. The first attempt keeps the key sagas always had; a later
 * attempt (another payment method after a failed one) gets its own, since a provider
 * refuses a reused key with other parameters.
 */
export const providerKey = (reservationId: string, priorFailures = 0) =>
	priorFailures === 0 ? `chk_${reservationId}` : `chk_${reservationId}~${priorFailures + 1}`;
export const refundKey = (reservationId: string) => `rfd_${reservationId}`;

/** Every field is fixed by the row, so a retry sends the provider exactly the same request
 * (a provider refuses a reused key with different parameters). */
export function chargeRequest(row: CheckoutRow): ChargeRequest {
	return {
		amountCents: row.amountCents,
		currency: row.currency,
		paymentMethod: row.paymentMethod,
		idempotencyKey: providerKey(row.reservationId, row.priorFailures),
		description: `Revenue Guard order ${row.orderId}`,
		metadata: { reservationId: row.reservationId, orderId: row.orderId },
	};
}

/**
 * A charge attempt's timeout: never past the deadline, except a minimal last chance —
 * and a saga resumed after a crash (first attempt of a run) gets one full attempt even
 * past its deadline, so that a capture made before the crash is found and becomes the order.
 */
export function chargeTimeoutMs(nowMs: number, deadlineMs: number, resumed: boolean): number {
	if (resumed && nowMs >= deadlineMs) return CHARGE_ATTEMPT_TIMEOUT_MS;
	return Math.min(
		CHARGE_ATTEMPT_TIMEOUT_MS,
		Math.max(MIN_CHARGE_ATTEMPT_TIMEOUT_MS, deadlineMs - nowMs),
	);
}

/** Exponential backoff: base, 2×base, 4×base, … up to max. `attempt` counts from 1. */
export function retryDelayMs(baseMs: number, attempt: number, maxMs: number): number {
	return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export const NO_SUCH_RESERVATION = "No reservation of this session has that id.";

export function fail(
	code: CheckoutFailureCode,
	message: string,
	payment?: PaymentFailure,
): CheckoutResult {
	return payment === undefined
		? { ok: false, code, message }
		: { ok: false, code, message, payment };
}

export type Admission =
	/** Answer now, nothing changes. */
	| { kind: "answer"; result: CheckoutResult }
	/** This request starts the saga. */
	| { kind: "start" }
	/** The same request again while its saga is unsettled: join or resume it. */
	| { kind: "join" };

/**
 * What a checkout request gets, from the hold, this reservation's current saga (if
 * any), the saga this session started with the same key on another reservation, and
 * the failed payment this session made with the same key (kept-hold failures only).
 * api.md: same key → same outcome; another key on a hold being or already paid → 409;
 * another key on a hold kept after a failed payment → a new payment.
 */
export function admit(
	req: CheckoutRequest,
	hold: Hold | null,
	saga: CheckoutRow | null,
	sameKeyElsewhere: CheckoutRow | null,
	sameKeyFailed: FailedPayment | null = null,
): Admission {
	const answer = (code: CheckoutFailureCode, message: string): Admission => ({
		kind: "answer",
		result: fail(code, message),
	});
	if (hold === null || hold.sessionId !== req.sessionId) {
		return answer("not_found", NO_SUCH_RESERVATION);
	}
	if (sameKeyFailed !== null) {
		if (sameKeyFailed.reservationId !== req.reservationId) {
			return answer(
				"invalid_request",
				"Idempotency-Key was already used to check out another reservation.",
			);
		}
		if (sameKeyFailed.paymentMethod !== req.paymentMethod) {
			return answer(
				"invalid_request",
				"This Idempotency-Key was first used with another paymentMethod; pay with another method under a new key.",
			);
		}
		return { kind: "answer", result: { ...sameKeyFailed.outcome, replayed: true } };
	}
	if (saga !== null) {
		if (saga.clientKey !== req.idempotencyKey) {
			if (saga.step === "charging") {
				return answer(
					"invalid_state",
					"A checkout of this reservation with another Idempotency-Key is in progress.",
				);
			}
			if (saga.step === "paid") {
				return answer(
					"invalid_state",
					"The reservation was already paid with another Idempotency-Key.",
				);
			}
			return answer(
				"invalid_state",
				"The reservation's checkout already ended; it cannot be paid again.",
			);
		}
		if (saga.paymentMethod !== req.paymentMethod) {
			return answer(
				"invalid_request",
				"This Idempotency-Key was first used with another paymentMethod.",
			);
		}
		if (saga.outcome !== null)
			return { kind: "answer", result: { ...saga.outcome, replayed: true } };
		return { kind: "join" };
	}
	if (sameKeyElsewhere !== null) {
		return answer(
			"invalid_request",
			"Idempotency-Key was already used to check out another reservation.",
		);
	}
	if (hold.status === "EXPIRED") {
		return answer(
			"reservation_expired",
			"The reservation has expired and its units went back to stock.",
		);
	}
	if (hold.status !== "RESERVED") {
		return answer("invalid_state", `The reservation is ${hold.status} and cannot be paid.`);
	}
	return { kind: "start" };
}
