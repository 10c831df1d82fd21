// The checkout saga's limits, its provider keys and the timing rules derived
// from them (src/domain/checkout-saga.ts applies them). Pure: no storage, no clock.

/** One provider call gives up after this and counts as `unknown`: one full provider timeout. */
export const CHARGE_ATTEMPT_TIMEOUT_MS = 5_000;
/** A last attempt close to the deadline still gets this long. */
export const MIN_CHARGE_ATTEMPT_TIMEOUT_MS = 250;
/** Charge attempts per payment of a reservation, all with the same provider key. */
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
 * One provider key per payment of a reservation: every retry of one payment (any
 * copy of its client key, a resume after a crash, a compensation probe) reuses it,
 * so a payment is captured at most once. The first payment keeps the key sagas
 * always had; a later payment (another method after a failed one) gets its own,
 * since a provider refuses a reused key with other parameters.
 */
export const providerKey = (reservationId: string, priorFailures = 0) =>
	priorFailures === 0 ? `chk_${reservationId}` : `chk_${reservationId}~${priorFailures + 1}`;
export const refundKey = (reservationId: string) => `rfd_${reservationId}`;

/** A charge attempt's timeout: never past the deadline, except a minimal last chance. */
export function chargeTimeoutMs(nowMs: number, deadlineMs: number): number {
	return Math.min(
		CHARGE_ATTEMPT_TIMEOUT_MS,
		Math.max(MIN_CHARGE_ATTEMPT_TIMEOUT_MS, deadlineMs - nowMs),
	);
}

/**
 * The deadline of a saga resumed at `nowMs` (after a crash, or by a copy of its
 * request that finds nobody driving it): at least one full provider timeout from
 * now, however little of its window the restart and the sagas resumed before it
 * left, so that a capture made before the crash is found and becomes the order.
 * Bounded: each resumed attempt counts against MAX_CHARGE_ATTEMPTS
 * (docs/decisions/014-resumed-checkout-gets-a-full-attempt.md).
 */
export function resumedDeadlineMs(deadlineMs: number, nowMs: number): number {
	return Math.max(deadlineMs, nowMs + CHARGE_ATTEMPT_TIMEOUT_MS);
}

/** Exponential backoff: base, 2×base, 4×base, … up to max. `attempt` counts from 1. */
export function retryDelayMs(baseMs: number, attempt: number, maxMs: number): number {
	return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
