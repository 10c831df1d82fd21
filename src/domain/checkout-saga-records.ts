// The records of the checkout saga's step function (domain/checkout-saga.ts): what the step
// reads of the world, its inputs, the effects it asks the driver to run, the hold's
// transitions and the step itself. Its callers import them from checkout-saga.ts with `step`.

import type {
	ChargeOutcome,
	ChargeRequest,
	LookupOutcome,
	RefundOutcome,
} from "../payment/provider.ts";
import type { HoldStatus } from "../shared/types.ts";
import type { CheckoutResult, SagaState } from "./checkout-state.ts";
import type { DomainEvent } from "./inventory.ts";

/** What the step reads of the world, observed by the driver in the same turn. */
export interface SagaWorld {
	nowMs: number;
	sku: string;
	/** The reservation's hold while it is active (not yet paid or released), else null. */
	hold: { status: HoldStatus; expiresAtMs: number } | null;
}

export type SagaInput =
	/** Drive the saga now. `resumed`: this run did not begin it (the alarm after a crash, or
	 * a copy of the request that finds nobody driving it). */
	| { kind: "run"; resumed: boolean }
	/** The backoff after an unknown charge outcome is over. */
	| { kind: "retry" }
	| { kind: "charged"; outcome: ChargeOutcome }
	/** The compensation's lookup (never a charge): did the payment capture? */
	| { kind: "probed"; outcome: LookupOutcome }
	| { kind: "refunded"; outcome: RefundOutcome }
	/** An operator reset cleared the SKU's holds. */
	| { kind: "reset" };

export type SagaEffect =
	| { kind: "charge"; request: ChargeRequest; timeoutMs: number }
	| { kind: "probe"; request: ChargeRequest; timeoutMs: number }
	| { kind: "refund"; paymentId: string; idempotencyKey: string; timeoutMs: number }
	| { kind: "wait"; ms: number }
	/** Nothing more now: answer the caller; the alarm looks again at resumeAtMs if unsettled. */
	| { kind: "stop"; answer: CheckoutResult };

export type HoldChange =
	/** CHECKOUT_PENDING → PAID. */
	| { kind: "complete"; orderId: string }
	/** CHECKOUT_PENDING → RESERVED, kept until its own expiresAt. */
	| {
			kind: "reopen";
			detail: { reason: string; failedPayments: number; maxFailedPayments: number };
	  }
	/** CHECKOUT_PENDING → PAYMENT_FAILED, units back at once. */
	| { kind: "release"; reason: string };

export interface SagaStep {
	state: SagaState;
	/** put: write the state; retire: file it as a failed payment and free the reservation. */
	write: "put" | "retire" | "none";
	hold: HoldChange | null;
	/** Audit events that move no unit, recorded before the hold's own event. */
	notes: DomainEvent[];
	effect: SagaEffect;
	/** Set when money may be held without an order: an operator must reconcile. */
	alert: string | null;
}
