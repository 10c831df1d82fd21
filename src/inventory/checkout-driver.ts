// Runs the checkout sagas of one SKU inside its object. The transitions are the
// pure step function of src/domain/checkout-saga.ts; this driver admits the
// requests, reads the saga's state, has each step written (the saga row, the hold's
// transition and its audit events) in one synchronous turn by the writer
// (saga-writer.ts), runs the step's effect (a provider call, a backoff) and feeds
// the outcome back. A step is durable before the provider hears of its call, so
// after a crash the alarm resumes the saga where it stopped, with the same
// provider key.
//
// Group commit (docs/checkout.md, "What a checkout costs"): workerd fsyncs every
// commit of the object and does not group concurrent requests' commits, so the
// driver gathers them. Checkout requests wait for the next `setTimeout(0)` and are
// admitted together, in arrival order, in one turn (one commit carries every
// saga's first step); provider answers wait for the next turn likewise, so the
// steps they lead to (PAID, a kept or released hold) share a commit too. Each
// request's writes run in a savepoint of their own (SagaHost.atomically), so a
// bug in one rolls back only that one; the output gate holds every reply, and
// every provider request, until the commit that carries its step is durable.
// A provider that answers within the call (the simulated one at 0 ms) is stepped at
// once, and the steps' rows — saga rows included — are staged and written once per
// turn in their last state (docs/decisions/037-checkouts-stage-saga-rows.md).

import { admit, NO_SUCH_RESERVATION } from "../domain/checkout-admission.ts";
import { MAX_SAGAS_PER_ALARM, RESUME_GRACE_MS } from "../domain/checkout-policy.ts";
import { type SagaInput, type SagaStep, type SagaWorld, step } from "../domain/checkout-saga.ts";
import {
	begin,
	type CheckoutRequest,
	type CheckoutResult,
	dueForResume,
	fail,
	type SagaState,
	toOrder,
} from "../domain/checkout-state.ts";
import type { PaymentProvider } from "../payment/provider.ts";
import { minorUnitsText } from "../shared/minor-units.ts";
import { CheckoutStore } from "./checkout-store.ts";
import { GroupCommit, NextTurn } from "./group-commit.ts";
import type { OrderResult } from "./rpc.ts";
import { SagaEffects } from "./saga-effects.ts";
import type { SagaHost } from "./saga-host.ts";
import { SagaWriter } from "./saga-writer.ts";

export interface CheckoutDriverOptions {
	/** Builds the payment provider, once, at the first provider call: a misconfigured
	 * provider fails that checkout (500), not the object's load or every read of the SKU. */
	createProvider(): PaymentProvider;
	/** A new checkout's payment window: PAYMENT_TIMEOUT_MS as parsed by src/shared/config.ts. */
	windowMs: number;
}

/** Checkout requests admitted in one turn (one commit); bounds that turn's work like MAX_GROUP. */
export const MAX_CHECKOUT_BATCH = 128;

/** A request's admission: answered now, or a saga driven from a first step already written. */
type Admitted =
	| { kind: "answer"; result: CheckoutResult }
	| { kind: "drive"; id: string; first: SagaInput | SagaStep }
	| { kind: "same"; answer: Promise<CheckoutResult> };

export class CheckoutDriver {
	private readonly rows: CheckoutStore;
	/** Sagas being driven by this instance: a copy of a request joins instead of calling again. */
	private readonly running = new Map<string, Promise<CheckoutResult>>();
	/**
	 * Sagas of the batch being admitted that already reached their answer within it (a
	 * provider that answers within the call): a copy of the request later in the same batch
	 * gets the very same answer, as it would by joining the run, not a replay of it.
	 */
	private readonly answeredInBatch = new Map<
		string,
		{ clientKey: string; answer: Promise<CheckoutResult> }
	>();
	/** Writes each step, and remembers what it wrote and when each saga needs the alarm. */
	private readonly writer: SagaWriter;
	/** The provider's calls for the sagas' effects; an outside provider's call first writes the staged rows. */
	private readonly effects: SagaEffects;
	/** Checkout requests waiting for the next batch (one turn, one commit). */
	private readonly arrivals = new GroupCommit<
		CheckoutRequest,
		CheckoutResult | Promise<CheckoutResult>
	>((reqs) => this.admitBatch(reqs), MAX_CHECKOUT_BATCH);
	/** Batches of requests admitted since this instance started (tests read it). */
	private admittedBatches = 0;
	/** Provider answers waiting to be stepped together (one turn, one commit). */
	private readonly answers = new NextTurn();

	constructor(
		sql: SqlStorage,
		private readonly host: SagaHost,
		private readonly options: CheckoutDriverOptions,
	) {
		this.rows = new CheckoutStore(sql, (error) => host.broken(error));
		this.writer = new SagaWriter(this.rows, host);
		this.effects = new SagaEffects(
			() => options.createProvider(),
			() => this.rows.flush(),
		);
	}

	/** After the object loads its state: remember which sagas the alarm must look at. */
	load(): void {
		this.writer.load();
	}

	/**
	 * Earliest moment an unsettled saga needs the alarm. A saga being driven here keeps
	 * its alarm too — it is what resumes the saga if the process dies — but one whose
	 * attempt overran is looked at again after a grace period, not in a tight loop.
	 */
	nextWakeMs(): number | null {
		const nowMs = Date.now();
		let next: number | null = null;
		for (const [id, resumeAtMs] of this.writer.resumeTimes) {
			const atMs =
				this.running.has(id) && resumeAtMs <= nowMs ? nowMs + RESUME_GRACE_MS : resumeAtMs;
			if (next === null || atMs < next) next = atMs;
		}
		return next;
	}

	/**
	 * Pays a hold. The request joins the next batch: admitted with the requests that
	 * arrived with it, in arrival order, exactly as one at a time would be.
	 */
	checkout(req: CheckoutRequest): Promise<CheckoutResult> {
		return this.arrivals.submit(req) as Promise<CheckoutResult>;
	}

	/** One batch of requests in one turn; a request's throw is its own answer, not the batch's. */
	private admitBatch(reqs: CheckoutRequest[]): (CheckoutResult | Promise<CheckoutResult>)[] {
		const nowMs = this.host.now();
		this.answers.mark();
		this.admittedBatches += 1;
		try {
			return reqs.map((req) => {
				let admitted: Admitted;
				try {
					admitted = this.writer.atomically(() => this.admit(req, nowMs));
				} catch (error) {
					return Promise.reject(error);
				}
				if (admitted.kind === "answer") return admitted.result;
				if (admitted.kind === "same") return admitted.answer;
				// Driven from here, after the savepoint: a provider call never starts inside one
				// that could still roll back. Registered before the next request is admitted, so a
				// copy of this request in the same batch joins this run (or its answer).
				const answer = this.drive(admitted.id, admitted.first);
				if (!this.running.has(admitted.id)) {
					this.answeredInBatch.set(admitted.id, { clientKey: req.idempotencyKey, answer });
				}
				return answer;
			});
		} finally {
			this.answeredInBatch.clear();
		}
	}

	/** Admission, and for a new payment its first two steps (CHECKOUT_PENDING, the attempt). */
	private admit(req: CheckoutRequest, nowMs: number): Admitted {
		const inv = this.host.inventory();
		if (inv === null) return answer(fail("not_found", NO_SUCH_RESERVATION));
		// Read even when the hold is gone: a reset keeps the saga of a payment it interrupted,
		// and that payment's keys are answered from it (src/domain/checkout-admission.ts).
		const hold = this.host.hold(req.reservationId);
		const known = this.rows.admission(req.reservationId, req.sessionId, req.idempotencyKey);
		const { saga, failure } = known;
		const elsewhere = saga === null ? known.elsewhere : null;
		const admission = admit(req, hold, saga, elsewhere, failure);
		if (admission.kind === "answer") {
			// A copy of a request this batch already answered: that answer, not a replay of it.
			const same = this.answeredInBatch.get(req.reservationId);
			if (admission.result.replayed === true && same?.clientKey === req.idempotencyKey) {
				return { kind: "same", answer: same.answer };
			}
			return answer(admission.result);
		}
		// admit answers every request whose hold is gone.
		if (hold === null) return answer(fail("not_found", NO_SUCH_RESERVATION));
		// Same key while the first copy awaits the provider: join it. After a crash: resume it.
		if (admission.kind === "join") {
			return { kind: "drive", id: hold.id, first: { kind: "run", resumed: true } };
		}
		// The hold pays the price it was taken at, not one the operator set since
		// (docs/checkout.md, "Which price a hold pays").
		const price = heldPrice(hold, inv.product);
		// An amount the provider can never charge (a price set before the check, or price ×
		// quantity past its limit) is bad input, not the buyer's failed payment: refused before
		// the hold, the key or the provider is touched (docs/checkout.md, "Amounts").
		const amountCents = price.priceCents * hold.quantity;
		const amountProblem = this.effects.amountProblem(amountCents, price.currency);
		if (amountProblem !== null) {
			return answer(fail("invalid_request", refusedAmount(hold.quantity, price, amountProblem)));
		}
		const deadlineMs = nowMs + this.options.windowMs;
		const begun = inv.beginCheckout(hold.id, nowMs, deadlineMs);
		if (!begun.ok)
			return answer(fail(begun.code, `The reservation is ${hold.status} and cannot be paid.`));
		inv.scheduleDeadline(hold.id, deadlineMs);
		const started = begin(
			{
				reservationId: hold.id,
				orderId: req.orderId,
				sessionId: hold.sessionId,
				clientKey: req.idempotencyKey,
				paymentMethod: req.paymentMethod,
				quantity: hold.quantity,
				amountCents,
				currency: price.currency,
				priorFailures: known.failureCount,
			},
			nowMs,
			deadlineMs,
		);
		// CHECKOUT_PENDING and its audit event, then the first attempt's step (its provider
		// key and timeout) in the same savepoint and commit: the saga row is written once,
		// already in its attempt, before the provider hears of it. The hold and the events are
		// staged when the savepoint is released (atomically) and written before the turn ends.
		const world = this.world(hold.id);
		const first = step(started, { kind: "run", resumed: false }, world);
		if (first.write !== "put") this.writer.save(started);
		this.writer.apply(first, world.nowMs);
		return { kind: "drive", id: hold.id, first };
	}

	/** Batches of checkout requests admitted so far: requests that arrived together share one. */
	get batches(): number {
		return this.admittedBatches;
	}

	order(orderId: string, sessionId: string): OrderResult {
		const inv = this.host.inventory();
		const saga = this.rows.byOrderId(orderId);
		if (inv === null || saga === null || saga.sessionId !== sessionId || saga.step !== "paid") {
			return { ok: false, code: "not_found" };
		}
		return { ok: true, order: toOrder(inv.product.sku, saga) };
	}

	/** From the alarm: resume what a crash interrupted and run due compensations. */
	async resume(): Promise<void> {
		const nowMs = Date.now();
		const work: Promise<unknown>[] = [];
		for (const saga of this.rows.unsettled(MAX_SAGAS_PER_ALARM)) {
			const id = saga.reservationId;
			// Not running here means nobody is driving it: a charge resumes at once, with its key.
			if (this.running.has(id) || !dueForResume(saga, nowMs)) continue;
			work.push(this.drive(id, { kind: "run", resumed: true }));
		}
		await Promise.all(work);
	}

	/**
	 * Operator reset: failed sagas go, orders stay; a charge in flight is compensated (its hold is
	 * gone). `kept`: a hold the reset kept (a shard's late reset keeps the new drop's, those created
	 * after `keptAfterMs`): its saga runs on, and the records of its failed payments stay.
	 */
	reset(
		nowMs: number,
		kept: (reservationId: string) => boolean = () => false,
		keptAfterMs: number | null = null,
	): void {
		const world: SagaWorld = { nowMs, sku: "", hold: null };
		let stepped = false;
		for (const saga of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			if (kept(saga.reservationId)) continue;
			this.writer.apply(step(saga, { kind: "reset" }, world), nowMs);
			stepped = true;
		}
		// Written now, before the reset deletes the holds it cleared (sku-object-operator.ts resetLocal).
		this.rows.release();
		this.rows.flush();
		if (stepped) this.host.persist();
		this.rows.deleteSettled(keptAfterMs);
		this.writer.forgetAll();
	}

	// ---- internals ----

	/** One run per saga in this instance; every other caller awaits the same promise. */
	private drive(id: string, first: SagaInput | SagaStep): Promise<CheckoutResult> {
		const current = this.running.get(id);
		if (current !== undefined) return current;
		const run = { ended: false };
		const promise: Promise<CheckoutResult> = this.run(id, first, run).finally(() => {
			// A new payment of this hold may have started since (after a decline in the same batch).
			if (this.running.get(id) === promise) this.running.delete(id);
			if (!this.running.has(id)) this.writer.forget(id);
			// Still unsettled (e.g. an unexpected throw): the alarm takes over at its resume time.
			const atMs = this.writer.resumeTimes.get(id);
			if (atMs !== undefined) this.host.wake(atMs);
		});
		// A run that ended within this call (its provider answered within the call) is not
		// running: the next request on this hold is admitted from what it wrote.
		if (!run.ended) this.running.set(id, promise);
		return promise;
	}

	/**
	 * Steps the saga until it stops; every step starts from its durable state. `first` is
	 * an input to step now, or a step the caller already wrote (a new payment's attempt).
	 */
	private async run(
		id: string,
		first: SagaInput | SagaStep,
		run: { ended: boolean },
	): Promise<CheckoutResult> {
		// `ended` is set when the run ends, synchronously if no step awaited anything, so the
		// caller knows whether it is still running (drive).
		try {
			let next = "effect" in first ? first : this.stepNow(id, first);
			for (;;) {
				if (next === null) return fail("invalid_state", "The reservation was cleared.");
				if (next.effect.kind === "stop") return next.effect.answer;
				// A provider that answers within the call (the simulated one at 0 ms) is stepped in
				// this synchronous turn: a new payment goes from admission to its order without
				// yielding, so the batch's staged rows are written once, in their last state.
				let input = this.effects.now(next.effect);
				if (input === undefined) {
					input = await this.effects.perform(next.effect);
					// Answers that arrived meanwhile are stepped in one turn: one commit for all of them.
					const turn = this.answers.wait();
					if (turn !== null) await turn;
				}
				next = this.stepNow(id, input);
			}
		} finally {
			run.ended = true;
		}
	}

	/**
	 * Steps the saga from its state as last written (an operator reset may have moved it
	 * on meanwhile) and writes the step.
	 */
	private stepNow(id: string, input: SagaInput): SagaStep | null {
		return this.writer.atomically(() => {
			const saga = this.writer.saga(id);
			return saga === null ? null : this.stepFrom(saga, input);
		});
	}

	private stepFrom(saga: SagaState, input: SagaInput): SagaStep {
		const world = this.world(saga.reservationId);
		const next = step(saga, input, world);
		this.writer.apply(next, world.nowMs);
		return next;
	}

	private world(id: string): SagaWorld {
		const inv = this.host.inventory();
		return {
			nowMs: Date.now(),
			sku: inv?.product.sku ?? "",
			hold: inv?.activeHold(id) ?? null,
		};
	}
}

function answer(result: CheckoutResult): Admitted {
	return { kind: "answer", result };
}

/**
 * What a hold pays per unit: its own price, kept when it was taken. Only a hold that had
 * already ended when migration 8 ran (inventory/schema.ts) has none, and no checkout admits an
 * ended hold; the product's price stands in so the type needs no assertion.
 */
function heldPrice(
	hold: { priceCents: number | null; currency: string | null },
	product: { priceCents: number; currency: string },
): { priceCents: number; currency: string } {
	if (hold.priceCents === null || hold.currency === null) return product;
	return { priceCents: hold.priceCents, currency: hold.currency };
}

/** The 400's message for an amount the provider cannot charge: the field, the figures, what to do. */
function refusedAmount(
	quantity: number,
	product: { priceCents: number; currency: string },
	problem: string,
): string {
	const amount = minorUnitsText(product.priceCents * quantity, product.currency);
	return `amount: ${quantity} × priceCents ${product.priceCents} = ${amount}, which the payment provider cannot charge (${problem}). Nothing was charged and the hold is unchanged${quantity > 1 ? "; a hold of fewer units may be payable" : ""}.`;
}
