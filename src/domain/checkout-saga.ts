// The checkout saga as a pure step function: a saga's state and what
// just happened (an input) give its next state, the hold's transition, the audit
// notes and the one effect to run next. The driver in the SKU object
// (src/inventory/checkout-driver.ts) writes the step in one synchronous turn, runs
// the effect (a provider call, a backoff) and feeds its outcome back. Pure: no
// storage, no clock, no randomness.
//
//   RESERVED → CHECKOUT_PENDING → PAID (order created)
//                               → RESERVED again (a payment that took nothing; the buyer
//                                 may try another method until expiresAt)
//                               → PAYMENT_FAILED (units back at once; a capture that may
//                                 exist is looked for and refunded by the compensation).
//
// Invariants (test/unit/checkout-saga.test.ts): every charge of a payment uses its
// provider key, so a reservation is captured at most once; a hold becomes PAID only
// on a capture; a capture without its order is refunded; a payment that definitely
// took nothing never reports "charged"; attempts, failed payments and
// compensations are bounded; a resumed saga gets one full provider timeout.

import type { ChargeOutcome, LookupOutcome, RefundOutcome } from "../payment/provider.ts";
import type { PaymentFailure } from "../shared/types.ts";
import {
	CHARGE_ATTEMPT_TIMEOUT_MS,
	CHARGE_RETRY_BASE_MS,
	CHARGE_RETRY_MAX_MS,
	COMPENSATION_RETRY_BASE_MS,
	COMPENSATION_RETRY_MAX_MS,
	chargeTimeoutMs,
	MAX_CHARGE_ATTEMPTS,
	MAX_COMPENSATION_ATTEMPTS,
	MAX_FAILED_PAYMENTS_PER_HOLD,
	RESUME_GRACE_MS,
	refundKey,
	resumedDeadlineMs,
	retryDelayMs,
} from "./checkout-policy.ts";
import type {
	HoldChange,
	SagaEffect,
	SagaInput,
	SagaStep,
	SagaWorld,
} from "./checkout-saga-records.ts";
import {
	type CheckoutResult,
	chargeRequest,
	fail,
	INTERRUPTED,
	type SagaState,
	toOrder,
} from "./checkout-state.ts";

// The records are the step's vocabulary: its callers import them from here with `step`.
export type {
	HoldChange,
	SagaEffect,
	SagaInput,
	SagaStep,
	SagaWorld,
} from "./checkout-saga-records.ts";

/** The saga's transition function. Never mutates `state`. */
export function step(state: SagaState, input: SagaInput, world: SagaWorld): SagaStep {
	const s: SagaState = { ...state };
	switch (input.kind) {
		case "reset":
			if (s.step !== "charging") return idle(s);
			// The hold is gone; the charge in flight (if any) is compensated.
			s.step = "compensating";
			s.resumeAtMs = world.nowMs;
			s.outcome = fail(
				"invalid_state",
				"The reservation was cleared by an operator reset; any amount taken will be refunded.",
			);
			return settle(s, "put");
		case "run":
			if (s.step === "charging") {
				if (input.resumed) s.deadlineMs = resumedDeadlineMs(s.deadlineMs, world.nowMs);
				// The first attempt of a run is made even at the deadline: a resumed saga's
				// capture found now becomes the order.
				return attempt(s, world, false);
			}
			if (s.step === "compensating" || s.step === "refunding") return compensate(s, world);
			return idle(s);
		case "retry":
			return s.step === "charging" ? attempt(s, world, true) : idle(s);
		case "charged":
			return s.step === "charging" ? charged(s, input.outcome, world) : idle(s);
		case "probed":
			return s.step === "compensating" ? probed(s, input.outcome, world) : idle(s);
		case "refunded":
			return s.step === "refunding" ? refunded(s, input.outcome, world) : idle(s);
	}
}

// ---- charging ----

function attempt(s: SagaState, world: SagaWorld, checkDeadline: boolean): SagaStep {
	const { nowMs } = world;
	if (s.chargeAttempts >= MAX_CHARGE_ATTEMPTS || (checkDeadline && nowMs >= s.deadlineMs)) {
		return giveUp(s, world);
	}
	if (s.amountCents === 0) return paid(s, null, world);
	const timeoutMs = chargeTimeoutMs(nowMs, s.deadlineMs);
	s.chargeAttempts += 1;
	s.resumeAtMs = nowMs + timeoutMs + RESUME_GRACE_MS;
	// Written before the provider hears of it: a crash resumes this attempt with this key.
	return { ...quiet(s, "put"), effect: { kind: "charge", request: chargeRequest(s), timeoutMs } };
}

function charged(s: SagaState, outcome: ChargeOutcome, world: SagaWorld): SagaStep {
	switch (outcome.kind) {
		case "succeeded":
			return paid(s, outcome.paymentId, world);
		case "declined":
			return failed(s, "declined", outcome.reason, world);
		case "error":
			return failed(s, "provider_error", outcome.reason, world);
		case "unknown": {
			const backoffMs = retryDelayMs(CHARGE_RETRY_BASE_MS, s.chargeAttempts, CHARGE_RETRY_MAX_MS);
			// `final`: every retry with the key would get this same answer (ChargeOutcome).
			if (
				outcome.final === true ||
				s.chargeAttempts >= MAX_CHARGE_ATTEMPTS ||
				world.nowMs + backoffMs >= s.deadlineMs
			) {
				return giveUp(s, world);
			}
			return { ...quiet(s, "none"), effect: { kind: "wait", ms: backoffMs } };
		}
	}
}

/** Captured (or free): the order and the PAID hold are written in one transaction. */
function paid(s: SagaState, paymentId: string | null, world: SagaWorld): SagaStep {
	const { nowMs } = world;
	s.paymentId = paymentId;
	if (world.hold?.status !== "CHECKOUT_PENDING") {
		// Cannot happen while the saga owns the hold; if it does, the money must go back.
		s.step = paymentId === null ? "failed" : "refunding";
		s.resumeAtMs = paymentId === null ? null : nowMs;
		s.outcome = fail(
			"invalid_state",
			"The reservation is no longer held; any amount taken will be refunded.",
		);
		return settle(s, "put");
	}
	s.step = "paid";
	s.paidAtMs = nowMs;
	s.resumeAtMs = null;
	s.outcome = { ok: true, order: toOrder(world.sku, s) };
	return {
		...settle(s, "put"),
		hold: { kind: "complete", orderId: s.orderId },
		notes: [
			{
				type: "payment.succeeded",
				atMs: nowMs,
				reservationId: s.reservationId,
				orderId: s.orderId,
				sessionId: s.sessionId,
				detail: {
					paymentId,
					amountCents: s.amountCents,
					currency: s.currency,
					attempts: s.chargeAttempts,
				},
			},
		],
	};
}

/**
 * Definitely not captured. Within MAX_FAILED_PAYMENTS_PER_HOLD and the hold's own
 * expiresAt the hold goes back to RESERVED for another payment method; otherwise
 * the units go back at once (PAYMENT_FAILED).
 */
function failed(
	s: SagaState,
	kind: "declined" | "provider_error",
	providerReason: string,
	world: SagaWorld,
): SagaStep {
	const { nowMs, hold } = world;
	const failedPayments = s.priorFailures + 1;
	const reason = `${kind === "declined" ? "declined" : "provider error"}: ${providerReason}`;
	const payment: Omit<PaymentFailure, "holdKept"> = {
		outcome: kind,
		charged: "no",
		failedPayments,
		maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		providerReason,
	};
	// The message is read to buyers (the storefront shows it): the provider's own code stays in
	// `payment.providerReason` and the audit trail, out of the sentence.
	const what =
		kind === "declined"
			? "The payment was declined and nothing was charged."
			: "The payment provider failed and did not take the payment; nothing was charged.";
	s.step = "failed";
	s.resumeAtMs = null;
	const pending = hold?.status === "CHECKOUT_PENDING";

	if (failedPayments < MAX_FAILED_PAYMENTS_PER_HOLD && pending && nowMs < hold.expiresAtMs) {
		const left = MAX_FAILED_PAYMENTS_PER_HOLD - failedPayments;
		s.outcome = fail(
			"payment_declined",
			`${what} Your hold is kept until it expires: pay with another method (${left} more failed payment${left === 1 ? "" : "s"} and the hold is released).`,
			{ ...payment, holdKept: true },
		);
		return {
			...settle(s, "retire"),
			hold: {
				kind: "reopen",
				detail: { reason, failedPayments, maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD },
			},
		};
	}
	const why =
		failedPayments >= MAX_FAILED_PAYMENTS_PER_HOLD
			? `That was failed payment ${failedPayments} of ${MAX_FAILED_PAYMENTS_PER_HOLD} allowed on this hold, so the reservation is released`
			: "The hold's time ran out during the payment, so the reservation is released";
	s.outcome = fail("payment_declined", `${what} ${why} and its units went back to stock.`, {
		...payment,
		holdKept: false,
	});
	return { ...settle(s, "put"), hold: pending ? { kind: "release", reason } : null };
}

/** Still unknown at the bound: release the units now, find and refund any capture later. */
function giveUp(s: SagaState, world: SagaWorld): SagaStep {
	s.step = "compensating";
	s.resumeAtMs = world.nowMs;
	// Money may have moved: never "nothing was charged" here.
	s.outcome = fail(
		"payment_declined",
		"The payment provider did not confirm the charge in time, so it is not known yet whether money was taken. The reservation is released; any amount taken will be refunded.",
		{
			outcome: "not_confirmed",
			charged: "unknown",
			holdKept: false,
			failedPayments: s.priorFailures + 1,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		},
	);
	const release: HoldChange | null =
		world.hold?.status === "CHECKOUT_PENDING"
			? { kind: "release", reason: `payment outcome unknown after ${s.chargeAttempts} attempts` }
			: null;
	return { ...settle(s, "put"), hold: release };
}

// ---- compensation: after the units went back while a capture may exist ----

/**
 * Look the charge up by its key — a lookup, never a charge: a probe must not be the first
 * request the provider sees (PaymentProvider.lookup) — and refund whatever it says was
 * taken. Bounded; past the bound, or once the provider says asking again cannot tell more
 * (an outcome `final`), an operator reconciles by hand (step "unresolved").
 */
function compensate(s: SagaState, world: SagaWorld): SagaStep {
	if (s.compensationAttempts >= MAX_COMPENSATION_ATTEMPTS) {
		return unresolved(s, "compensation ran out of attempts");
	}
	s.compensationAttempts += 1;
	const backoffMs = retryDelayMs(
		COMPENSATION_RETRY_BASE_MS,
		s.compensationAttempts,
		COMPENSATION_RETRY_MAX_MS,
	);
	s.resumeAtMs = world.nowMs + CHARGE_ATTEMPT_TIMEOUT_MS + backoffMs;
	const timeoutMs = CHARGE_ATTEMPT_TIMEOUT_MS;
	if (s.step === "compensating") {
		return { ...quiet(s, "put"), effect: { kind: "probe", request: chargeRequest(s), timeoutMs } };
	}
	if (s.paymentId === null) {
		s.step = "failed"; // a free order: nothing was taken
		s.resumeAtMs = null;
		return settle(s, "put");
	}
	const refund: SagaEffect = {
		kind: "refund",
		paymentId: s.paymentId,
		idempotencyKey: refundKey(s.reservationId),
		timeoutMs,
	};
	return { ...quiet(s, "put"), effect: refund };
}

function probed(s: SagaState, outcome: LookupOutcome, world: SagaWorld): SagaStep {
	if (outcome.kind === "unknown") {
		if (outcome.final === true)
			return unresolved(s, `charge outcome cannot be learned: ${outcome.reason}`);
		return idle(s); // the alarm asks again at resumeAtMs
	}
	if (outcome.kind === "succeeded") {
		s.step = "refunding";
		s.paymentId = outcome.paymentId;
		return compensate(s, world);
	}
	// Declined, refused, or no charge ever reached the provider (`none`: the lookup spent the
	// key, so the lost charge cannot capture later either): nothing was taken.
	s.step = "failed";
	s.resumeAtMs = null;
	return settle(s, "put");
}

function refunded(s: SagaState, outcome: RefundOutcome, world: SagaWorld): SagaStep {
	if (outcome.kind === "unknown") {
		if (outcome.final === true)
			return unresolved(s, `refund outcome cannot be learned: ${outcome.reason}`);
		return idle(s);
	}
	if (outcome.kind === "error") return unresolved(s, `refund refused: ${outcome.reason}`);
	s.step = "refunded";
	s.resumeAtMs = null;
	return {
		...settle(s, "put"),
		notes: [
			{
				type: "payment.refunded",
				atMs: world.nowMs,
				reservationId: s.reservationId,
				sessionId: s.sessionId,
				detail: {
					paymentId: s.paymentId,
					refundId: outcome.refundId,
					amountCents: s.amountCents,
					currency: s.currency,
				},
			},
		],
	};
}

function unresolved(s: SagaState, reason: string): SagaStep {
	s.step = "unresolved";
	s.resumeAtMs = null;
	return { ...settle(s, "put"), alert: reason };
}

// ---- step builders ----

function answerOf(s: SagaState): CheckoutResult {
	return s.outcome ?? fail("invalid_state", INTERRUPTED);
}

/** Written as given; no hold change, no note, nothing to run. */
function settle(s: SagaState, write: SagaStep["write"]): SagaStep {
	return { ...quiet(s, write), effect: { kind: "stop", answer: answerOf(s) } };
}

/** Nothing changes: the input does not apply to this step (e.g. a reset moved it on). */
function idle(s: SagaState): SagaStep {
	return settle(s, "none");
}

function quiet(s: SagaState, write: SagaStep["write"]): Omit<SagaStep, "effect"> {
	return { state: s, write, hold: null, notes: [], alert: null };
}
