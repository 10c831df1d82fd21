// The mock's POST /api/checkout: the Worker's checks before the SKU's object, in its order
// (src/worker/routes/checkout.ts: the body, the Idempotency-Key, a payment method the
// simulated provider can never take, then the reservation's id), then the saga the object
// runs, from the same pure rules (src/domain/checkout-admission.ts, checkout-state.ts,
// checkout-saga.ts) against the same simulated provider (src/payment/simulated.ts) kept in
// memory. So a typo in a method is the server's 400 `invalid_request`, which spends neither
// the hold's failed-payment allowance nor the key, and a declined card is its 402 with
// `error.payment`. Nothing is durable, as with the rest of the mock.
// docs/decisions/068-storefront-leftovers.md

import { IDEMPOTENCY_KEY_PATTERN } from "../../domain/bounds.ts";
import { admit, NO_SUCH_RESERVATION } from "../../domain/checkout-admission.ts";
import { type SagaInput, type SagaStep, step } from "../../domain/checkout-saga.ts";
import {
	begin,
	type CheckoutRequest,
	type CheckoutResult,
	type FailedPayment,
	fail,
	type SagaState,
	toOrder,
} from "../../domain/checkout-state.ts";
import type { Hold, Inventory } from "../../domain/inventory.ts";
import { MAX_ID_LENGTH } from "../../payment/provider.ts";
import { simMethodProblem } from "../../payment/sim-methods.ts";
import { SimulatedProvider } from "../../payment/simulated.ts";
import { randomHex } from "../../shared/hex.ts";
import { sleep } from "../../shared/sleep.ts";
import type { ErrorCode, Order } from "../../shared/types.ts";

/** The Worker's bound on a reservation id (src/worker/checkout-body.ts). */
const MAX_RESERVATION_ID_LENGTH = 120;
/** What the provider receives verbatim: printable ASCII without spaces (src/worker/checkout-body.ts). */
const PAYMENT_METHOD_PATTERN = /^[\x21-\x7E]+$/;
/** How long a hold may stay CHECKOUT_PENDING: PAYMENT_TIMEOUT_MS's default (src/shared/config.ts). */
const PAYMENT_WINDOW_MS = 20_000;
/** Steps of one run: a saga settles in a handful; more is a bug, not a long payment. */
const MAX_STEPS_PER_RUN = 100;
/** Holds remembered after they ended, so a late checkout gets 410 or 409 as from the server. */
const MAX_REMEMBERED_HOLDS = 10_000;

/** `reached`: the request got past the Worker's checks to the SKU's object. */
export type CheckoutAnswer = { reached: boolean } & (
	| { ok: true; order: Order }
	| { ok: false; code: ErrorCode; message: string; payment?: unknown }
);

export class MockCheckout {
	private readonly provider = new SimulatedProvider({ latencyMs: 0 });
	/** Each reservation's current payment (the object's `checkouts` rows). */
	private readonly sagas = new Map<string, SagaState>();
	/** Failed payments after which the hold was kept (the object's `checkout_failures`). */
	private readonly failures: FailedPayment[] = [];
	/** Every hold this mock handed out, ended ones too (the object's `holds` rows). */
	private readonly holds = new Map<string, Hold>();
	private readonly running = new Map<string, Promise<CheckoutResult>>();

	constructor(
		/** The SKU's inventory (the SKU from the id's `~SKU` suffix); undefined for no known SKU. */
		private readonly inventoryOf: (sku: string) => Inventory | undefined,
		/** Units moved (sold, or back after a failed payment): the live feed says so. */
		private readonly moved: (inv: Inventory) => void,
	) {}

	/** Holds the inventory changed (Inventory.drain): kept, so an ended one is still known. */
	remember(holds: Hold[]): void {
		for (const h of holds) {
			this.holds.delete(h.id);
			this.holds.set(h.id, h);
		}
		for (const id of this.holds.keys()) {
			if (this.holds.size <= MAX_REMEMBERED_HOLDS) break;
			this.holds.delete(id);
		}
	}

	/** An operator reset of `sku`: its holds are gone; paid sagas stay, as orders do on the server. */
	reset(sku: string): void {
		for (const [id, h] of this.holds) if (skuOf(h.id) === sku) this.holds.delete(id);
		for (const [id, saga] of this.sagas)
			if (skuOf(id) === sku && saga.step !== "paid") this.sagas.delete(id);
	}

	order(orderId: string, sessionId: string): Order | null {
		for (const saga of this.sagas.values()) {
			if (saga.orderId === orderId && saga.sessionId === sessionId && saga.step === "paid")
				return toOrder(skuOf(saga.reservationId), saga);
		}
		return null;
	}

	async checkout(
		sessionId: string,
		body: Record<string, unknown>,
		idempotencyKey: string | undefined,
	): Promise<CheckoutAnswer> {
		const problem = bodyProblem(body) ?? keyProblem(idempotencyKey);
		if (problem !== null)
			return { reached: false, ok: false, code: "invalid_request", message: problem };
		// bodyProblem checked both are strings.
		const { reservationId, paymentMethod } = body as {
			reservationId: string;
			paymentMethod: string;
		};
		const methodProblem = simMethodProblem(paymentMethod);
		if (methodProblem !== null)
			return { reached: false, ok: false, code: "invalid_request", message: methodProblem };
		const inv = this.inventoryOf(skuOf(reservationId));
		if (inv === undefined)
			return { reached: false, ok: false, code: "not_found", message: NO_SUCH_RESERVATION };
		const req: CheckoutRequest = {
			reservationId,
			sessionId,
			idempotencyKey: idempotencyKey as string,
			paymentMethod,
			// Ids carry their SKU, as the Worker's do (src/worker/ids.ts).
			orderId: `ord_${randomHex(12)}~${inv.product.sku}`,
		};
		const result = await this.admitAndRun(req, inv);
		this.moved(inv);
		if (result.ok) return { reached: true, ok: true, order: result.order };
		return {
			reached: true,
			ok: false,
			code: result.code,
			message: result.message,
			...(result.payment === undefined ? {} : { payment: result.payment }),
		};
	}

	private admitAndRun(req: CheckoutRequest, inv: Inventory): Promise<CheckoutResult> {
		const nowMs = Date.now();
		inv.expireDue(nowMs);
		this.remember(inv.drain().holds);
		const hold = inv.activeHold(req.reservationId) ?? this.holds.get(req.reservationId) ?? null;
		const saga = this.sagas.get(req.reservationId) ?? null;
		const elsewhere =
			saga === null
				? ([...this.sagas.values()].find(
						(s) => s.sessionId === req.sessionId && s.clientKey === req.idempotencyKey,
					) ?? null)
				: null;
		const failure =
			this.failures.find(
				(f) => f.sessionId === req.sessionId && f.clientKey === req.idempotencyKey,
			) ?? null;
		const admission = admit(req, hold, saga, elsewhere, failure);
		if (admission.kind === "answer") return Promise.resolve(admission.result);
		if (hold === null) return Promise.resolve(fail("not_found", NO_SUCH_RESERVATION));
		if (admission.kind === "join") {
			return this.running.get(hold.id) ?? this.drive(inv, hold.id, { kind: "run", resumed: true });
		}
		const deadlineMs = nowMs + PAYMENT_WINDOW_MS;
		const begun = inv.beginCheckout(hold.id, nowMs, deadlineMs);
		if (!begun.ok)
			return Promise.resolve(
				fail(begun.code, `The reservation is ${hold.status} and cannot be paid.`),
			);
		this.sagas.set(
			hold.id,
			begin(
				{
					reservationId: hold.id,
					orderId: req.orderId,
					sessionId: hold.sessionId,
					clientKey: req.idempotencyKey,
					paymentMethod: req.paymentMethod,
					quantity: hold.quantity,
					// The price the hold was taken at, as the server charges it (docs/checkout.md).
					amountCents: (hold.priceCents ?? inv.product.priceCents) * hold.quantity,
					currency: hold.currency ?? inv.product.currency,
					priorFailures: this.failures.filter((f) => f.reservationId === hold.id).length,
				},
				nowMs,
				deadlineMs,
			),
		);
		return this.drive(inv, hold.id, { kind: "run", resumed: false });
	}

	/** One run per reservation; a copy of the request awaits the same promise. */
	private drive(inv: Inventory, id: string, first: SagaInput): Promise<CheckoutResult> {
		const run = this.run(inv, id, first).finally(() => {
			if (this.running.get(id) === run) this.running.delete(id);
		});
		this.running.set(id, run);
		return run;
	}

	private async run(inv: Inventory, id: string, first: SagaInput): Promise<CheckoutResult> {
		let input = first;
		for (let n = 0; n < MAX_STEPS_PER_RUN; n++) {
			const saga = this.sagas.get(id);
			if (saga === undefined) return fail("invalid_state", "The reservation was cleared.");
			const next = step(saga, input, {
				nowMs: Date.now(),
				sku: inv.product.sku,
				hold: inv.activeHold(id) ?? null,
			});
			this.apply(inv, next);
			const effect = next.effect;
			if (effect.kind === "stop") return effect.answer;
			if (effect.kind === "wait") {
				await sleep(effect.ms);
				input = { kind: "retry" };
			} else if (effect.kind === "charge") {
				input = { kind: "charged", outcome: await this.provider.charge(effect.request) };
			} else if (effect.kind === "probe") {
				input = { kind: "probed", outcome: await this.provider.lookup(effect.request) };
			} else {
				const outcome = await this.provider.refund(effect.paymentId, effect.idempotencyKey);
				input = { kind: "refunded", outcome };
			}
		}
		throw new Error(`checkout of ${id}: no answer after ${MAX_STEPS_PER_RUN} steps`);
	}

	/** The step's hold transition and saga row, as the object's writer applies them (saga-writer.ts). */
	private apply(inv: Inventory, next: SagaStep): void {
		const { state, hold } = next;
		const nowMs = Date.now();
		if (hold !== null) {
			const id = state.reservationId;
			const done =
				hold.kind === "complete"
					? inv.completeCheckout(id, hold.orderId, nowMs)
					: hold.kind === "reopen"
						? inv.reopenCheckout(id, nowMs, hold.detail)
						: inv.failCheckout(id, nowMs, hold.reason);
			if (!done.ok) throw new Error(`hold ${id}: ${hold.kind} refused (${done.code})`);
			this.remember(inv.drain().holds);
		}
		if (next.write === "put") this.sagas.set(state.reservationId, state);
		else if (next.write === "retire") {
			this.failures.push({
				reservationId: state.reservationId,
				sessionId: state.sessionId,
				clientKey: state.clientKey,
				paymentMethod: state.paymentMethod,
				outcome: state.outcome as CheckoutResult,
			});
			this.sagas.delete(state.reservationId);
		}
	}
}

/** `rsv_…~SKU` → SKU (the mock's ids carry their SKU as the Worker's do: src/worker/ids.ts). */
function skuOf(id: string): string {
	const at = id.lastIndexOf("~");
	return at < 0 ? "" : id.slice(at + 1);
}

/** The body's fields as the Worker's schema bounds them (src/worker/checkout-body.ts), named. */
function bodyProblem(body: Record<string, unknown>): string | null {
	const { reservationId, paymentMethod } = body;
	if (
		typeof reservationId !== "string" ||
		reservationId.length === 0 ||
		reservationId.length > MAX_RESERVATION_ID_LENGTH
	)
		return `reservationId: must be a string of 1 to ${MAX_RESERVATION_ID_LENGTH} characters`;
	if (
		typeof paymentMethod !== "string" ||
		paymentMethod.length > MAX_ID_LENGTH ||
		!PAYMENT_METHOD_PATTERN.test(paymentMethod)
	)
		return `paymentMethod: must be 1 to ${MAX_ID_LENGTH} printable ASCII characters without spaces`;
	return null;
}

/** src/worker/idempotency.ts, required as on checkout. */
function keyProblem(key: string | undefined): string | null {
	if (key === undefined) return "Idempotency-Key header is required.";
	if (!IDEMPOTENCY_KEY_PATTERN.test(key))
		return "Idempotency-Key must be 1–255 printable ASCII characters.";
	return null;
}
