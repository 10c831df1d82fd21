// The buyer's hold: its own countdown, the test payment methods, pay or let go.

import type { Product, Reservation } from "../../shared/types.ts";
import { clock, money } from "../lib/format.ts";
import { PAYMENT_METHODS, type PaymentMethodId } from "./payment-methods.ts";

export interface HeldReservation {
	reservation: Reservation;
	/** Client-clock deadline: receipt time + expiresInSeconds, immune to clock skew. */
	deadlineMs: number;
}

export function HoldPanel({
	hold,
	product,
	nowMs,
	method,
	busy,
	onMethod,
	onPay,
	onCancel,
}: {
	hold: HeldReservation;
	product: Product;
	nowMs: number;
	method: PaymentMethodId;
	busy: boolean;
	onMethod(m: PaymentMethodId): void;
	onPay(): void;
	onCancel(): void;
}) {
	const left = Math.max(0, (hold.deadlineMs - nowMs) / 1000);
	const { quantity } = hold.reservation;
	return (
		<section class="card hold" aria-labelledby="hold-title">
			<h2 id="hold-title">{quantity === 1 ? "1 unit" : `${quantity} units`} held for you</h2>
			<p class="countdown" role="timer" aria-label="Time left on your hold">
				Pay within <strong>{clock(left)}</strong>
			</p>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					onPay();
				}}
			>
				<fieldset disabled={busy}>
					<legend>Payment method (test cards)</legend>
					{PAYMENT_METHODS.map((m) => (
						<label key={m.id} class="choice">
							<input
								type="radio"
								name="payment-method"
								value={m.id}
								checked={method === m.id}
								onChange={() => onMethod(m.id)}
							/>
							<span>
								{m.label}{" "}
								<span class="muted small">
									({m.id}: {m.hint})
								</span>
							</span>
						</label>
					))}
				</fieldset>
				<div class="actions">
					<button type="submit" class="primary" disabled={busy}>
						{busy ? "Paying…" : `Pay ${money(product.priceCents * quantity, product.currency)}`}
					</button>
					<button type="button" onClick={onCancel} disabled={busy}>
						Release hold
					</button>
				</div>
			</form>
		</section>
	);
}
