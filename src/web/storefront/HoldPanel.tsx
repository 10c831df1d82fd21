// The buyer's hold: its own countdown, the test payment methods, pay or let go.
// After a failed payment the hold stays (docs/api.md, "Checkout after a failed
// payment"): the panel says how many tries are left and which methods failed.

import type { PaymentFailure, Product, Reservation } from "../../shared/types.ts";
import { clock, time } from "../lib/format.ts";
import { holdPrice } from "./hold-price.ts";
import type { FeedTrouble } from "./ProductCard.tsx";
import type { PaymentMethod, PaymentMethodId } from "./payment-methods.ts";

export interface HeldReservation {
	reservation: Reservation;
	/** Client-clock deadline: receipt time + expiresInSeconds, immune to clock skew. */
	deadlineMs: number;
	/** Methods that failed on this hold, with the server's outcome, oldest first. */
	failed?: { method: string; payment: PaymentFailure }[];
}

const FAILED_LABEL: Record<PaymentFailure["outcome"], string> = {
	declined: "declined on this hold",
	provider_error: "failed on this hold",
	not_confirmed: "not confirmed",
};

export function HoldPanel({
	hold,
	product,
	nowMs,
	method,
	methods,
	busy,
	trouble,
	onMethod,
	onPay,
	onCancel,
}: {
	hold: HeldReservation;
	product: Product;
	nowMs: number;
	method: PaymentMethodId;
	/** The methods the configured provider takes (payment-methods.ts methodsFor). */
	methods: readonly PaymentMethod[];
	busy: boolean;
	/**
	 * The page has lost the server (`unreachable`: no answer at all) or the store refuses its
	 * reads for now (`busy`: a 429 or 503): say what the timer still means.
	 */
	/** Why the stock may be stale (ProductCard.tsx feedTrouble); paused says nothing here: the tab is out of view. */
	trouble: FeedTrouble | null;
	onMethod(m: PaymentMethodId): void;
	onPay(): void;
	onCancel(): void;
}) {
	const left = Math.max(0, (hold.deadlineMs - nowMs) / 1000);
	const { quantity } = hold.reservation;
	const failed = hold.failed ?? [];
	const last = failed.at(-1)?.payment;
	const failedOutcome = (id: string) => failed.findLast((f) => f.method === id)?.payment.outcome;
	const price = holdPrice(hold.reservation, product);
	return (
		<section id="hold" class="card hold" aria-labelledby="hold-title">
			<h2 id="hold-title" tabIndex={-1}>
				{quantity === 1 ? "1 unit" : `${quantity} units`} held for you
			</h2>
			<p class="countdown" role="timer" aria-label="Time left on your hold">
				Pay within <strong>{clock(left)}</strong>
			</p>
			{trouble === "unreachable" && (
				<p class="note">
					This page cannot reach the store right now. The timer counts down to your hold's end at{" "}
					{time(new Date(hold.deadlineMs).toISOString())}: the server keeps the hold until then
					whether or not this page is connected, and you can pay once the connection is back.
				</p>
			)}
			{trouble === "busy" && (
				<p class="note">
					The store is busy right now and asked this page to wait a moment. The timer counts down to
					your hold's end at {time(new Date(hold.deadlineMs).toISOString())}: the server keeps the
					hold until then. You can pay; if the store is still busy, try again shortly.
				</p>
			)}
			{price.changed !== null && <p class="note">{price.changed}</p>}
			{last !== undefined && (
				<p class="note">
					{last.failedPayments} of {last.maxFailedPayments} payment attempts on this hold failed;
					nothing was charged. Choose another method below.
				</p>
			)}
			<form
				onSubmit={(e) => {
					e.preventDefault();
					if (!busy) onPay();
				}}
			>
				<fieldset disabled={busy}>
					<legend>Payment method (test cards)</legend>
					{methods.map((m) => {
						const outcome = failedOutcome(m.id);
						return (
							<label key={m.id} class="choice">
								<input
									type="radio"
									name="payment-method"
									value={m.id}
									checked={method === m.id}
									onChange={() => onMethod(m.id)}
								/>
								<span>
									{m.label} <span class="muted small">({m.hint})</span>
									{outcome !== undefined && (
										<span class="failed-tag small"> — {FAILED_LABEL[outcome]}</span>
									)}
								</span>
							</label>
						);
					})}
				</fieldset>
				<div class="actions">
					{/* Only aria-disabled while one runs: the button keeps the focus, where the outcome
					    is heard (decision 147). */}
					<button type="submit" class="primary" aria-disabled={busy ? "true" : undefined}>
						{busy ? "Paying…" : price.payLabel}
					</button>
					<button
						type="button"
						onClick={() => {
							if (!busy) onCancel();
						}}
						aria-disabled={busy ? "true" : undefined}
					>
						Release hold
					</button>
				</div>
			</form>
		</section>
	);
}
