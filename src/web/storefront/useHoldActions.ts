// The hold's own actions: pay (one Idempotency-Key per unknown outcome, so a retry
// never charges twice), cancel (asking the server where a hold stands when it cannot
// be cancelled), a hold paid elsewhere, the hold's expiry (useHoldExpiry.ts, which confirms it
// once the store answers again), a payment whose answer never came, asked about once the server
// answers again (usePaymentRecheck.ts), and a hold the feed or another tab of the session says
// may have ended, an operator's reset deleting it (useHoldCheck.ts). A payment or a release here
// is told to the session's other tabs (useTabNews.ts), which show the same hold when one was
// duplicated from this one.

import { useRef } from "preact/hooks";
import type { Availability, HoldStatus, Reservation } from "../../shared/types.ts";
import type { ApiClient, ApiErr, Session } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import { newIdempotencyKey } from "../lib/hooks.ts";
import { endedHoldNotice, GONE_HOLD_NOTICE, RESET_HOLD_NOTICE, stillHeld } from "./ended-hold.ts";
import type { FocusRequest } from "./focus.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import { orderHeadingId, type StoredOrder } from "./Orders.tsx";
import type { PaymentMethodId } from "./payment-methods.ts";
import { orderNumber } from "./sale.ts";
import { type StoreNotice, UNKNOWN_OUTCOME } from "./store-notice.ts";
import { MAX_STORED_ORDERS } from "./stored.ts";
import { useHoldCheck } from "./useHoldCheck.ts";
import { useHoldExpiry } from "./useHoldExpiry.ts";
import { usePaymentRecheck } from "./usePaymentRecheck.ts";
import type { Told } from "./useTabNews.ts";

type Update<T> = T | ((previous: T) => T);

export interface HoldActionDeps {
	hold: HeldReservation | null;
	setHold: (hold: Update<HeldReservation | null>) => void;
	session: Session | null;
	setOrders: (orders: Update<StoredOrder[]>) => void;
	method: PaymentMethodId;
	now: number;
	busy: boolean;
	setBusy: (busy: "pay" | "cancel" | null) => void;
	setNotice: (notice: StoreNotice | null) => void;
	/** The notice on screen (useHoldExpiry.ts replaces only its own). */
	notice: StoreNotice | null;
	say: (notice: StoreNotice, focus?: boolean) => void;
	fail: (err: ApiErr) => void;
	focusNext: (request: FocusRequest) => void;
	/** Server clock minus this device's (useProductFeed.ts). */
	offsetMs: number;
	/** The latest availability (its `asOf`: the server answered at that moment). */
	availability: Availability | null;
	/** The feed's product messages and returns after a drop, and other tabs' news (useTabNews.ts). */
	news: number;
	/** Tells the session's other tabs that its standing changed here (useTabNews.ts). */
	tell: (told: Told) => void;
}

export function useHoldActions(
	api: ApiClient,
	{
		hold,
		setHold,
		session,
		setOrders,
		method,
		now,
		busy,
		setBusy,
		setNotice,
		notice,
		say,
		fail,
		focusNext,
		offsetMs,
		availability,
		news,
		tell,
	}: HoldActionDeps,
) {
	const checkoutKey = useRef<{ reservationId: string; method: string; key: string } | null>(null);

	const pay = async () => {
		if (hold === null || session === null) return;
		const id = hold.reservation.reservationId;
		// Same hold and method, outcome unknown so far: reuse the key so a retry can never
		// charge twice. Another method, or after a definite failure: a new payment, a new key.
		const reuse = checkoutKey.current;
		if (reuse?.reservationId !== id || reuse.method !== method)
			checkoutKey.current = { reservationId: id, method, key: newIdempotencyKey() };
		const key = (checkoutKey.current as { key: string }).key;
		recheck.forget();
		setBusy("pay");
		setNotice({ tone: "info", text: "Paying…" });
		// The server's clock as the request leaves: any availability after it shows the server
		// answering since, even one that arrived before this page learned the answer was lost.
		const sentAtServerMs = Date.now() + offsetMs;
		const r = await api.checkout(id, method, key);
		if (r.ok) {
			setBusy(null);
			checkoutKey.current = null;
			setHold(null);
			tell({ freed: false });
			setOrders((list) =>
				[{ sessionId: session.sessionId, order: r.data }, ...list].slice(0, MAX_STORED_ORDERS),
			);
			setNotice({
				tone: "success",
				text: `Payment accepted. Order ${orderNumber(r.data.orderId)} is confirmed.`,
			});
			focusNext({ id: orderHeadingId(r.data.orderId) });
			return;
		}
		if (UNKNOWN_OUTCOME.has(r.code) || r.status >= 500) {
			setBusy(null);
			fail(r);
			say({
				tone: "error",
				text: `${describeError(r)} Paying again with the same method is safe: you will not be charged twice.`,
			});
			// True now, stale once the server answers again: then the page asks where the hold
			// stands. A limiter's refusal (429, or real spend locked) is an answer: it keeps its words.
			if (r.code !== "rate_limited" && r.code !== "cost_limit") recheck.after(id, sentAtServerMs);
			return;
		}
		checkoutKey.current = null;
		const payment = r.payment;
		if (r.code === "payment_declined" && payment?.holdKept) {
			// The hold is still ours (docs/api.md): stay on it and offer the other methods.
			setBusy(null);
			setHold((h) => h && { ...h, failed: [...(h.failed ?? []), { method, payment }] });
			fail(r);
			return;
		}
		// Released, expired or paid elsewhere (another tab of this session): ask the server where
		// the hold stands, and say that, as Release does: a paid hold shows its order. A payment
		// that failed here and released the hold (declined, or not confirmed in time) has words of
		// its own, which say whether money may have been taken: those stand.
		const current = await api.reservation(id);
		setBusy(null);
		if (payment !== undefined) {
			if (!current.ok || !stillHeld(current.data.status)) setHold(null);
			// The failed payment released the hold (error.payment.holdKept false, docs/api.md): the
			// other tabs hear it as a Release, so they take the hold off and recount the limit.
			if (!payment.holdKept) tell({ freed: true, units: hold.reservation.quantity });
			fail(r);
			return;
		}
		if (current.ok && !stillHeld(current.data.status)) {
			setHold(null);
			if (current.data.status === "PAID") return void paidElsewhere(current.data);
			return say(endedHoldNotice(current.data.status), true);
		}
		// This payment was refused (409), so it took nothing: a hold gone was not paid.
		if (!current.ok && current.status === 404) {
			setHold(null);
			return say(RESET_HOLD_NOTICE, true);
		}
		if (!current.ok) setHold(null);
		fail(r);
	};

	// A hold on screen that was paid elsewhere (another tab of this session, or this page's
	// own payment whose answer was lost): its order joins this page's list, so the buyer
	// sees what they bought.
	const paidElsewhere = async (current: Reservation, lead = "This hold is already paid:") => {
		const order = current.orderId ? await api.order(current.orderId) : null;
		if (order?.ok !== true || session === null) {
			say(endedHoldNotice("PAID"), true);
			return;
		}
		const paid = order.data;
		setOrders((list) =>
			list.some((o) => o.order.orderId === paid.orderId)
				? list
				: [{ sessionId: session.sessionId, order: paid }, ...list].slice(0, MAX_STORED_ORDERS),
		);
		setNotice({
			tone: "success",
			text: `${lead} order ${orderNumber(paid.orderId)} is confirmed.`,
		});
		focusNext({ id: orderHeadingId(paid.orderId) });
	};

	const cancel = async () => {
		if (hold === null) return;
		const id = hold.reservation.reservationId;
		recheck.forget();
		setBusy("cancel");
		const r = await api.cancel(id);
		if (r.ok || r.code === "not_found") {
			setBusy(null);
			setHold(null);
			if (r.ok) tell({ freed: true, units: hold.reservation.quantity });
			say({ tone: "info", text: "Hold released: the units are back in stock." }, true);
			return;
		}
		if (r.code !== "invalid_state") {
			setBusy(null);
			return fail(r);
		}
		// Not cancellable: the hold already ended (an earlier Cancel whose answer was lost,
		// another tab, the timer) or a payment is settling it. Ask the server where it stands.
		const current = await api.reservation(id);
		setBusy(null);
		if (!current.ok || stillHeld(current.data.status)) {
			// Still on the server's books (a payment settling it), or unknown: the hold stays,
			// and its timer asks the server again when it runs out.
			say(
				{
					tone: "error",
					text: !current.ok
						? "This hold could not be cancelled: it may have ended already. This page could not check with the store; it will when the timer runs out."
						: current.data.status === "CHECKOUT_PENDING"
							? "A payment for this hold is in progress, so it cannot be cancelled now."
							: "This hold could not be cancelled. Please try again.",
				},
				true,
			);
			return;
		}
		setHold(null);
		if (current.data.status === "PAID") return void paidElsewhere(current.data);
		say(endedHoldNotice(current.data.status), true);
	};

	// Where a hold stands once read, said for a page whose payment of it has no known outcome
	// (its key is kept): that payment may be the one that ended it, and may have taken money
	// the saga refunds (docs/checkout.md), so the words never claim that nothing was charged.
	const afterLostPayment = {
		paid: (current: Reservation) => {
			checkoutKey.current = null;
			setHold(null);
			void paidElsewhere(current, "Your payment went through:");
		},
		ended: (status: HoldStatus) => {
			checkoutKey.current = null;
			setHold(null);
			say(
				status === "PAYMENT_FAILED"
					? {
							tone: "error",
							text: "This hold was released: its payment failed or was not confirmed in time, so its units went back to stock. Any amount taken will be refunded. Reserve again if any are left.",
						}
					: endedHoldNotice(status),
				true,
			);
		},
		gone: (err: ApiErr) => {
			// 404: the hold is gone (an operator's reset), as definite as an ended status.
			if (err.status === 404) {
				checkoutKey.current = null;
				setHold(null);
				say(GONE_HOLD_NOTICE, true);
				return;
			}
			// Another definite refusal (401: the session ended) in its own words.
			fail(err);
		},
	};

	const recheck = usePaymentRecheck(api, {
		hold,
		busy,
		offsetMs,
		availabilityAsOfMs: availability === null ? null : Date.parse(availability.asOf),
		// Still RESERVED: not paid, and the key stays, so paying again cannot charge twice.
		unpaid: () =>
			say({
				tone: "info",
				text: "The store answers again: this hold is still yours and has not been paid. Paying again with the same method is safe: you will not be charged twice.",
			}),
		pending: () =>
			say({
				tone: "info",
				text: "The store answers again: a payment for this hold is still being settled. This page shows its outcome when it is known.",
			}),
		...afterLostPayment,
	});

	// The feed says the hold may have ended (an operator's reset, another tab): read it, and say
	// so if it has. With a payment of this page's outcome unknown, in that payment's words.
	const lostPayment = () => {
		if (checkoutKey.current === null) return false;
		recheck.forget();
		return true;
	};
	useHoldCheck(api, {
		hold,
		busy,
		availability,
		news,
		offsetMs,
		paid: (current) => {
			if (lostPayment()) return afterLostPayment.paid(current);
			setHold(null);
			void paidElsewhere(current);
		},
		ended: (status) => {
			if (lostPayment()) return afterLostPayment.ended(status);
			setHold(null);
			say(endedHoldNotice(status), true);
		},
		gone: (err) => {
			if (lostPayment()) return afterLostPayment.gone(err);
			if (err.status !== 404) return fail(err);
			// A paid hold survives a reset (it would read PAID): this one was not paid.
			setHold(null);
			say(RESET_HOLD_NOTICE, true);
		},
	});

	useHoldExpiry(api, {
		hold,
		setHold,
		nowMs: now,
		busy,
		notice,
		say: (shown) => say(shown, true),
		paid: (current) => void paidElsewhere(current),
		offsetMs,
		availabilityAsOfMs: availability === null ? null : Date.parse(availability.asOf),
	});

	return { pay, cancel };
}
