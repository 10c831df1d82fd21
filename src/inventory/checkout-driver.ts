// Runs the checkout sagas of one SKU inside its object. The transitions are the
// pure step function of src/domain/checkout-saga.ts; this driver only reads the
// saga's state from SQLite, writes each step (the saga row, the hold's transition
// and its audit events) in one synchronous turn, runs the step's effect (a
// provider call, a backoff) and feeds the outcome back. A step is durable before
// the provider hears of its call, so after a crash the alarm resumes the saga
// where it stopped, with the same provider key.

import { admit, NO_SUCH_RESERVATION } from "../domain/checkout-admission.ts";
import { MAX_SAGAS_PER_ALARM, RESUME_GRACE_MS } from "../domain/checkout-policy.ts";
import {
	type HoldChange,
	type SagaEffect,
	type SagaInput,
	type SagaStep,
	type SagaWorld,
	step,
} from "../domain/checkout-saga.ts";
import {
	begin,
	type CheckoutRequest,
	type CheckoutResult,
	dueForResume,
	fail,
	type SagaState,
	toOrder,
} from "../domain/checkout-state.ts";
import type { Hold, Inventory } from "../domain/inventory.ts";
import type { PaymentProvider } from "../payment/provider.ts";
import { sleep } from "../shared/sleep.ts";
import { CheckoutStore } from "./checkout-store.ts";
import type { OrderResult } from "./rpc.ts";

/** What the driver needs from the object that owns it. */
export interface SagaHost {
	inventory(): Inventory | null;
	/** A hold, active or settled. */
	hold(id: string): Hold | null;
	/** Writes the model's changes (holds, outbox) in the caller's synchronous turn. */
	persist(): void;
	/** The object's alarm fires no later than this. */
	wake(atMs: number): void;
}

export interface CheckoutDriverOptions {
	/** Builds the payment provider, once, at the first provider call: a misconfigured
	 * provider fails that checkout (500), not the object's load or every read of the SKU. */
	createProvider(): PaymentProvider;
	/** A new checkout's payment window: PAYMENT_TIMEOUT_MS as parsed by src/shared/config.ts. */
	windowMs: number;
}

type Work = Exclude<SagaEffect, { kind: "stop" }>;

export class CheckoutDriver {
	private readonly rows: CheckoutStore;
	/** Sagas being driven by this instance: a copy of a request joins instead of calling again. */
	private readonly running = new Map<string, Promise<CheckoutResult>>();
	/** resume_at of every unsettled saga, so planning the alarm never queries SQLite. */
	private readonly wakeups = new Map<string, number>();
	private provider: PaymentProvider | null = null;

	constructor(
		sql: SqlStorage,
		private readonly host: SagaHost,
		private readonly options: CheckoutDriverOptions,
	) {
		this.rows = new CheckoutStore(sql);
	}

	/** After the object loads its state: remember which sagas the alarm must look at. */
	load(): void {
		this.wakeups.clear();
		for (const saga of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			if (saga.resumeAtMs !== null) this.wakeups.set(saga.reservationId, saga.resumeAtMs);
		}
	}

	/**
	 * Earliest moment an unsettled saga needs the alarm. A saga being driven here keeps
	 * its alarm too — it is what resumes the saga if the process dies — but one whose
	 * attempt overran is looked at again after a grace period, not in a tight loop.
	 */
	nextWakeMs(): number | null {
		const nowMs = Date.now();
		let next: number | null = null;
		for (const [id, resumeAtMs] of this.wakeups) {
			const atMs =
				this.running.has(id) && resumeAtMs <= nowMs ? nowMs + RESUME_GRACE_MS : resumeAtMs;
			if (next === null || atMs < next) next = atMs;
		}
		return next;
	}

	checkout(req: CheckoutRequest, nowMs: number): CheckoutResult | Promise<CheckoutResult> {
		const inv = this.host.inventory();
		const hold = this.host.hold(req.reservationId);
		if (inv === null || hold === null) return fail("not_found", NO_SUCH_RESERVATION);
		const saga = this.rows.get(req.reservationId);
		const earlier = this.rows.failure(req.sessionId, req.idempotencyKey);
		const elsewhere =
			saga === null ? this.rows.byClientKey(req.sessionId, req.idempotencyKey) : null;
		const admission = admit(req, hold, saga, elsewhere, earlier);
		if (admission.kind === "answer") return admission.result;
		// Same key while the first copy awaits the provider: join it. After a crash: resume it.
		if (admission.kind === "join") return this.drive(hold.id, { kind: "run", resumed: true });
		const deadlineMs = nowMs + this.options.windowMs;
		const begun = inv.beginCheckout(hold.id, nowMs, deadlineMs);
		if (!begun.ok) return fail(begun.code, `The reservation is ${hold.status} and cannot be paid.`);
		inv.scheduleDeadline(hold.id, deadlineMs);
		const started = begin(
			{
				reservationId: hold.id,
				orderId: req.orderId,
				sessionId: hold.sessionId,
				clientKey: req.idempotencyKey,
				paymentMethod: req.paymentMethod,
				quantity: hold.quantity,
				amountCents: inv.product.priceCents * hold.quantity,
				currency: inv.product.currency,
				priorFailures: this.rows.failureCount(hold.id),
			},
			nowMs,
			deadlineMs,
		);
		this.save(started);
		this.host.persist();
		return this.drive(hold.id, { kind: "run", resumed: false });
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

	/** Operator reset: failed sagas go, orders stay; a charge in flight is compensated (its hold is gone). */
	reset(nowMs: number): void {
		const world: SagaWorld = { nowMs, sku: "", hold: null };
		for (const saga of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			this.apply(step(saga, { kind: "reset" }, world), nowMs);
		}
		this.rows.deleteSettled();
	}

	// ---- internals ----

	/** One run per saga in this instance; every other caller awaits the same promise. */
	private drive(id: string, input: SagaInput): Promise<CheckoutResult> {
		const current = this.running.get(id);
		if (current !== undefined) return current;
		const promise = this.run(id, input).finally(() => {
			this.running.delete(id);
			// Still unsettled (e.g. an unexpected throw): the alarm takes over at its resume time.
			const atMs = this.wakeups.get(id);
			if (atMs !== undefined) this.host.wake(atMs);
		});
		this.running.set(id, promise);
		return promise;
	}

	/** Steps the saga until it stops; every step starts from its durable state. */
	private async run(id: string, first: SagaInput): Promise<CheckoutResult> {
		let input = first;
		for (;;) {
			// Read again after every await: an operator reset may have moved the saga on.
			const saga = this.rows.get(id);
			if (saga === null) return fail("invalid_state", "The reservation was cleared.");
			const world = this.world(id);
			const next = step(saga, input, world);
			this.apply(next, world.nowMs);
			if (next.effect.kind === "stop") return next.effect.answer;
			input = await this.perform(next.effect);
		}
	}

	private world(id: string): SagaWorld {
		const inv = this.host.inventory();
		return {
			nowMs: Date.now(),
			sku: inv?.product.sku ?? "",
			hold: inv?.activeHold(id) ?? null,
		};
	}

	/** One step in one synchronous turn: audit notes, the hold's transition, the saga row. */
	private apply(next: SagaStep, nowMs: number): void {
		const { state } = next;
		const inv = this.host.inventory();
		for (const note of next.notes) inv?.note(note);
		if (next.hold !== null) this.transition(state.reservationId, next.hold, nowMs);
		if (next.write === "put") this.save(state);
		else if (next.write === "retire") {
			this.rows.retire(state, nowMs);
			this.wakeups.delete(state.reservationId);
		}
		if (next.alert !== null) {
			// Money may be held without an order: loud, and kept for an operator.
			console.error("checkout compensation needs an operator", {
				reservationId: state.reservationId,
				paymentId: state.paymentId,
				reason: next.alert,
			});
		}
		if (next.notes.length > 0 || next.hold !== null) this.host.persist();
	}

	private transition(id: string, change: HoldChange, nowMs: number): void {
		const inv = this.host.inventory();
		if (inv === null) throw new Error(`hold ${id}: ${change.kind} without an inventory`);
		const done =
			change.kind === "complete"
				? inv.completeCheckout(id, change.orderId, nowMs)
				: change.kind === "reopen"
					? inv.reopenCheckout(id, nowMs, change.detail)
					: inv.failCheckout(id, nowMs, change.reason);
		// The step saw the hold CHECKOUT_PENDING in this same turn: a refusal is a bug.
		if (!done.ok) throw new Error(`hold ${id}: ${change.kind} refused (${done.code})`);
	}

	private async perform(effect: Work): Promise<SagaInput> {
		this.provider ??= this.options.createProvider();
		const provider = this.provider;
		switch (effect.kind) {
			case "charge":
				return {
					kind: "charged",
					outcome: await provider.charge(effect.request, { timeoutMs: effect.timeoutMs }),
				};
			case "probe":
				return {
					kind: "probed",
					outcome: await provider.charge(effect.request, { timeoutMs: effect.timeoutMs }),
				};
			case "refund":
				return {
					kind: "refunded",
					outcome: await provider.refund(effect.paymentId, effect.idempotencyKey, {
						timeoutMs: effect.timeoutMs,
					}),
				};
			case "wait":
				await sleep(effect.ms);
				return { kind: "retry" };
		}
	}

	private save(saga: SagaState): void {
		this.rows.put(saga);
		if (saga.resumeAtMs === null) {
			this.wakeups.delete(saga.reservationId);
			return;
		}
		this.wakeups.set(saga.reservationId, saga.resumeAtMs);
		this.host.wake(saga.resumeAtMs);
	}
}
