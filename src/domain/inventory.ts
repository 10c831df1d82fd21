// The rules of one SKU's stock: reserve, cancel, expire, checkout transitions,
// per-session limits. Pure: no Workers imports, no clock, no randomness — the
// caller passes `nowMs` and ids, so the same module runs in the Durable Object,
// in property tests and in the simulator. Expected outcomes are values.
//
// The stock and its holds (reserve, cancel, expire, limits: domain/inventory-stock.ts) and the
// operator's changes (PATCH, reset: domain/inventory-operator.ts) are the layers Inventory
// extends; this file adds the checkout transitions.

import { InventoryOperator } from "./inventory-operator.ts";
import type { ProductConfig, TransitionOutcome } from "./inventory-records.ts";

// The records are the model's vocabulary: its callers import them from here with the model.
export * from "./inventory-records.ts";

export class Inventory extends InventoryOperator {
	static create(product: ProductConfig, nowMs: number): Inventory {
		const inv = new Inventory({ product, reserved: 0, sold: 0, attempts: 0, rejected: {} });
		inv.emit({ type: "product.created", atMs: nowMs, detail: { ...product } });
		return inv;
	}

	/** RESERVED → CHECKOUT_PENDING. The hold no longer expires; the saga's deadline bounds it. */
	beginCheckout(id: string, nowMs: number, paymentDeadlineMs: number): TransitionOutcome {
		this.expireDue(nowMs);
		const hold = this.active.get(id);
		if (hold === undefined || hold.status !== "RESERVED")
			return { ok: false, code: "invalid_state" };
		hold.status = "CHECKOUT_PENDING";
		hold.paymentDeadlineMs = paymentDeadlineMs;
		this.changed(hold);
		this.emit({
			type: "checkout.started",
			atMs: nowMs,
			reservationId: id,
			quantity: hold.quantity,
			sessionId: hold.sessionId,
		});
		return { ok: true, hold };
	}

	/** CHECKOUT_PENDING → PAID: the units move from reserved to sold. */
	completeCheckout(id: string, orderId: string, nowMs: number): TransitionOutcome {
		const hold = this.active.get(id);
		if (hold === undefined || hold.status !== "CHECKOUT_PENDING") {
			return { ok: false, code: "invalid_state" };
		}
		hold.status = "PAID";
		hold.orderId = orderId;
		hold.paymentDeadlineMs = null;
		this.paidOut(hold, nowMs);
		this.reserved -= hold.quantity;
		this.sold += hold.quantity;
		this.changed(hold);
		this.emit({
			type: "order.created",
			atMs: nowMs,
			reservationId: id,
			orderId,
			quantity: hold.quantity,
			sessionId: hold.sessionId,
		});
		return { ok: true, hold };
	}

	/** CHECKOUT_PENDING → PAYMENT_FAILED: the units return to stock at once. */
	failCheckout(id: string, nowMs: number, reason: string): TransitionOutcome {
		const hold = this.active.get(id);
		if (hold === undefined || hold.status !== "CHECKOUT_PENDING") {
			return { ok: false, code: "invalid_state" };
		}
		this.release(hold, "PAYMENT_FAILED", nowMs, "payment.failed", { reason });
		return { ok: true, hold };
	}

	/**
	 * CHECKOUT_PENDING → RESERVED after a payment that definitely took nothing (a
	 * declined card, a provider that refused): the buyer keeps the units until the
	 * hold's own expiresAt and may pay with another method. No unit moves. Past
	 * expiresAt there is nothing left to keep: `reservation_expired`, no change.
	 */
	reopenCheckout(id: string, nowMs: number, detail: Record<string, unknown>): TransitionOutcome {
		const hold = this.active.get(id);
		if (hold === undefined || hold.status !== "CHECKOUT_PENDING") {
			return { ok: false, code: "invalid_state" };
		}
		if (nowMs >= hold.expiresAtMs) return { ok: false, code: "reservation_expired" };
		hold.status = "RESERVED";
		hold.paymentDeadlineMs = null;
		// Its first expiry entry may have been dropped while the payment was in flight.
		this.deadlines.add(hold.expiresAtMs, hold.id);
		this.changed(hold);
		this.emit({
			type: "payment.attempt_failed",
			atMs: nowMs,
			reservationId: id,
			quantity: hold.quantity,
			sessionId: hold.sessionId,
			detail,
		});
		return { ok: true, hold };
	}
}
