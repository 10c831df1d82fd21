// The checkout saga (seed 004), run inside the SKU's object:
//   RESERVED → CHECKOUT_PENDING → PAID (order created)
//                               → RESERVED again (a payment that took nothing; the buyer may
//                                 try another method until expiresAt, checkout-settle.ts)
//                               → PAYMENT_FAILED (units back at once).
// The step is written to SQLite before every provider call, so after a crash the
// alarm resumes where it stopped. The provider key is derived from the reservation
// and its payment attempt; a new attempt starts only after one that definitely took
// nothing, so however many client keys or retries, a reservation is captured at most once.
// A captured payment becomes an order in the same transaction as the PAID hold, or
// is refunded; an order is only ever created from a captured payment.

import type { Hold, Inventory } from "../domain/inventory.ts";
import {
	type ChargeOutcome,
	type PaymentProvider,
	paymentProvider,
	SimulatedProvider,
	type SimulatedProviderStats,
} from "../payment/index.ts";
import type { Config } from "../shared/config.ts";
import { type CompensationContext, compensate } from "./checkout-compensation.ts";
import {
	admit,
	CHARGE_RETRY_BASE_MS,
	CHARGE_RETRY_MAX_MS,
	chargeRequest,
	chargeTimeoutMs,
	fail,
	MAX_CHARGE_ATTEMPTS,
	MAX_SAGAS_PER_ALARM,
	NO_SUCH_RESERVATION,
	RESUME_GRACE_MS,
	retryDelayMs,
	sleep,
} from "./checkout-policy.ts";
import { failed, giveUp, paid } from "./checkout-settle.ts";
import { type CheckoutRow, CheckoutStore, SqlSimStore, toOrder } from "./checkout-store.ts";
import type { CheckoutRequest, CheckoutResult, OrderResult } from "./rpc.ts";

/** What the saga needs from the object that owns it. */
export interface SagaHost {
	inventory(): Inventory | null;
	/** A hold, active or settled. */
	hold(id: string): Hold | null;
	/** Writes the model's changes (holds, outbox) in the caller's synchronous turn. */
	persist(): void;
	/** The object's alarm fires no later than this. */
	wake(atMs: number): void;
}

/** Seams for tests, reached only through `runInDurableObject`; production never sets them. */
export interface SagaTestHooks {
	/** Replaces the configured provider (e.g. a SimulatedProvider with latency over `simStore`). */
	provider?: PaymentProvider;
	/** Runs right after a charge returns, before it is recorded: throw to emulate a crash there,
	 * or return an outcome to replace the provider's (a lost response). */
	afterCharge?: (outcome: ChargeOutcome) => ChargeOutcome | undefined;
}

/** The object's parsed configuration (src/shared/config.ts): the provider and PAYMENT_TIMEOUT_MS. */
export type SagaConfig = Pick<Config, "payment" | "paymentTimeoutMs">;

export class CheckoutSaga {
	readonly hooks: SagaTestHooks = {};
	readonly simStore: SqlSimStore;
	private readonly rows: CheckoutStore;
	private readonly ctx: CompensationContext;
	private readonly timeoutMs: number;
	private configured: PaymentProvider | null = null;
	/** Sagas being driven by this instance: a copy of a request joins instead of calling again. */
	private readonly running = new Map<string, Promise<unknown>>();
	/** resume_at of every unsettled saga, so planning the alarm never queries SQLite. */
	private readonly wakeups = new Map<string, number>();

	constructor(
		sql: SqlStorage,
		private readonly config: SagaConfig,
		private readonly host: SagaHost,
	) {
		this.rows = new CheckoutStore(sql);
		this.simStore = new SqlSimStore(sql);
		this.ctx = {
			rows: this.rows,
			host,
			provider: () => this.provider(),
			save: (row) => this.save(row),
			retire: (row, atMs) => {
				this.rows.retire(row, atMs);
				this.wakeups.delete(row.reservationId);
			},
		};
		this.timeoutMs = config.paymentTimeoutMs;
	}

	/** After the object loads its state: remember which sagas the alarm must look at. */
	load(): void {
		this.wakeups.clear();
		for (const row of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			if (row.resumeAtMs !== null) this.wakeups.set(row.reservationId, row.resumeAtMs);
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
		if (admission.kind === "join") return this.drive(hold.id, () => this.charge(hold.id));
		const deadlineMs = nowMs + this.timeoutMs;
		const begun = inv.beginCheckout(hold.id, nowMs, deadlineMs);
		if (!begun.ok) return fail(begun.code, `The reservation is ${hold.status} and cannot be paid.`);
		inv.scheduleDeadline(hold.id, deadlineMs);
		this.save({
			reservationId: hold.id,
			orderId: req.orderId,
			sessionId: hold.sessionId,
			clientKey: req.idempotencyKey,
			paymentMethod: req.paymentMethod,
			quantity: hold.quantity,
			amountCents: inv.product.priceCents * hold.quantity,
			currency: inv.product.currency,
			step: "charging",
			chargeAttempts: 0,
			compensationAttempts: 0,
			paymentId: null,
			deadlineMs,
			resumeAtMs: nowMs + RESUME_GRACE_MS,
			outcome: null,
			createdAtMs: nowMs,
			paidAtMs: null,
			priorFailures: this.rows.failureCount(hold.id),
		});
		this.host.persist();
		return this.drive(hold.id, () => this.charge(hold.id));
	}

	order(orderId: string, sessionId: string): OrderResult {
		const inv = this.host.inventory();
		const row = this.rows.byOrderId(orderId);
		if (inv === null || row === null || row.sessionId !== sessionId || row.step !== "paid") {
			return { ok: false, code: "not_found" };
		}
		return { ok: true, order: toOrder(inv.product.sku, row) };
	}

	/** From the alarm: resume what a crash interrupted and run due compensations. */
	async resume(): Promise<void> {
		const nowMs = Date.now();
		const work: Promise<unknown>[] = [];
		for (const row of this.rows.unsettled(MAX_SAGAS_PER_ALARM)) {
			const id = row.reservationId;
			if (this.running.has(id)) continue;
			// Not running here means nobody is driving it: charge again with the same key at once.
			if (row.step === "charging") work.push(this.drive(id, () => this.charge(id)));
			else if ((row.resumeAtMs ?? nowMs) <= nowMs)
				work.push(this.drive(id, () => compensate(id, this.ctx)));
		}
		await Promise.all(work);
	}

	/** Operator reset: failed sagas go, orders stay; a charge in flight is compensated (its hold is gone). */
	reset(nowMs: number): void {
		for (const row of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			if (row.step !== "charging") continue;
			row.step = "compensating";
			row.resumeAtMs = nowMs;
			row.outcome = fail(
				"invalid_state",
				"The reservation was cleared by an operator reset; any amount taken will be refunded.",
			);
			this.save(row);
		}
		this.rows.deleteSettled();
	}

	/** The simulated provider's counters, read from its store (tests count provider calls). */
	paymentStats(): SimulatedProviderStats {
		return new SimulatedProvider({ store: this.simStore }).stats();
	}

	// ---- internals ----

	/** One driver per saga in this instance; every other caller awaits the same promise. */
	private drive<T>(id: string, work: () => Promise<T>): Promise<T> {
		const current = this.running.get(id);
		if (current !== undefined) return current as Promise<T>;
		const promise = work().finally(() => {
			this.running.delete(id);
			// Still unsettled (e.g. an unexpected throw): the alarm takes over at its resume time.
			const atMs = this.wakeups.get(id);
			if (atMs !== undefined) this.host.wake(atMs);
		});
		this.running.set(id, promise);
		return promise;
	}

	private async charge(id: string): Promise<CheckoutResult> {
		let firstInThisRun = true;
		for (;;) {
			const row = this.rows.get(id);
			if (row === null) return fail("invalid_state", "The reservation was cleared.");
			if (row.step !== "charging") {
				return (
					row.outcome ??
					fail("invalid_state", "The checkout was interrupted; it will be settled shortly.")
				);
			}
			const nowMs = Date.now();
			// A resumed saga gets one attempt even past its deadline: a capture found now becomes the order.
			if (
				row.chargeAttempts >= MAX_CHARGE_ATTEMPTS ||
				(!firstInThisRun && nowMs >= row.deadlineMs)
			) {
				return giveUp(this.ctx, row, nowMs);
			}
			if (row.amountCents === 0) return paid(this.ctx, row, null, nowMs);
			const timeoutMs = chargeTimeoutMs(nowMs, row.deadlineMs, firstInThisRun);
			row.chargeAttempts += 1;
			row.resumeAtMs = nowMs + timeoutMs + RESUME_GRACE_MS;
			this.save(row); // durable before the provider hears of it
			const answer = await this.provider().charge(chargeRequest(row), { timeoutMs });
			const outcome = this.hooks.afterCharge?.(answer) ?? answer;
			const current = this.rows.get(id);
			// A reset while we waited turned the saga into a compensation; the loop returns its answer.
			if (current === null || current.step !== "charging") continue;
			const settledAtMs = Date.now();
			if (outcome.kind === "succeeded")
				return paid(this.ctx, current, outcome.paymentId, settledAtMs);
			if (outcome.kind === "declined") {
				return failed(
					this.ctx,
					current,
					{ outcome: "declined", reason: outcome.reason },
					settledAtMs,
				);
			}
			if (outcome.kind === "error") {
				return failed(
					this.ctx,
					current,
					{ outcome: "provider_error", reason: outcome.reason },
					settledAtMs,
				);
			}
			firstInThisRun = false;
			const backoffMs = retryDelayMs(
				CHARGE_RETRY_BASE_MS,
				current.chargeAttempts,
				CHARGE_RETRY_MAX_MS,
			);
			if (
				current.chargeAttempts >= MAX_CHARGE_ATTEMPTS ||
				settledAtMs + backoffMs >= current.deadlineMs
			) {
				return giveUp(this.ctx, current, settledAtMs);
			}
			await sleep(backoffMs);
		}
	}

	private save(row: CheckoutRow): void {
		this.rows.put(row);
		if (row.resumeAtMs === null) {
			this.wakeups.delete(row.reservationId);
			return;
		}
		this.wakeups.set(row.reservationId, row.resumeAtMs);
		this.host.wake(row.resumeAtMs);
	}

	private provider(): PaymentProvider {
		if (this.hooks.provider !== undefined) return this.hooks.provider;
		this.configured ??= paymentProvider(this.config.payment, this.simStore);
		return this.configured;
	}
}
