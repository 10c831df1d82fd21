// Who may pay a reservation, and what a repeated checkout request is answered:
// the rules of docs/api.md ("Checkout", "Checkout after a failed payment") as a pure
// function of the hold, the sagas already recorded and the request.

import {
	type CheckoutFailureCode,
	type CheckoutRequest,
	type CheckoutResult,
	type FailedPayment,
	fail,
	type SagaState,
} from "./checkout-state.ts";
import type { Hold } from "./inventory.ts";

export const NO_SUCH_RESERVATION = "No reservation of this session has that id.";

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
 * docs/api.md: same key → same outcome; another key on a hold being or already paid → 409;
 * another key on a hold kept after a failed payment → a new payment.
 */
export function admit(
	req: CheckoutRequest,
	hold: Hold | null,
	saga: SagaState | null,
	sameKeyElsewhere: SagaState | null,
	sameKeyFailed: FailedPayment | null = null,
): Admission {
	const answer = (code: CheckoutFailureCode, message: string): Admission => ({
		kind: "answer",
		result: fail(code, message),
	});
	if (hold === null) {
		// An operator reset deletes every hold that is not paid but keeps the saga row of a
		// payment it interrupted (src/inventory/checkout-store.ts deleteSettled): that
		// payment's keys still get its answer ("any amount taken will be refunded"), before
		// and after the refund, and another key gets 409 — never 404 for a payment that
		// may have taken money (docs/decisions/062-saga-after-reset-overload-and-probe.md).
		const kept = saga !== null && saga.sessionId === req.sessionId ? sagaAnswer(req, saga) : null;
		if (kept !== null) return kept;
		return answer("not_found", NO_SUCH_RESERVATION);
	}
	if (hold.sessionId !== req.sessionId) {
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
	if (saga !== null) return sagaAnswer(req, saga) ?? { kind: "join" };
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

/**
 * What a request on a reservation with a current saga gets: the saga's outcome for its own
 * key (replayed), 409 or 400 for another key or method; null while the saga has no
 * outcome yet and the request is its own copy (the caller joins or resumes it).
 */
function sagaAnswer(req: CheckoutRequest, saga: SagaState): Admission | null {
	const answer = (code: CheckoutFailureCode, message: string): Admission => ({
		kind: "answer",
		result: fail(code, message),
	});
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
	if (saga.outcome !== null) return { kind: "answer", result: { ...saga.outcome, replayed: true } };
	return null;
}
