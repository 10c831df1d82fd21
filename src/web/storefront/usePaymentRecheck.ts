// A payment whose answer never came (no connection, a 5xx, a timeout): the page says
// "Could not reach the server… paying again is safe", which is true until the server
// answers again and stale after. So the page remembers that payment, and once an
// availability newer than the payment's request shows the server answering (the live
// feed back after an outage, or a change it carries, which may have come before the page
// learned the answer was lost), it reads the hold once and says where it
// stands: still unpaid (the key is kept), a payment still settling (asked again every
// PENDING_RECHECK_MS), paid (its order), or ended. A read that fails leaves the notice
// as it was: nothing is known yet, and the next newer availability asks again, no sooner
// than RETRY_RECHECK_MS. A definite 4xx is an answer too, and is said (`gone`): a 404, the
// hold is not this session's any more (an operator's reset deletes unpaid holds); a 401, the
// session ended. Then it stops: asking again would not change it.
// docs/decisions/068-storefront-leftovers.md, docs/decisions/078-amount-bound-create-replay-and-a-gone-hold.md

import { useEffect, useRef } from "preact/hooks";
import type { HoldStatus, Reservation } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import type { HeldReservation } from "./HoldPanel.tsx";

/** While the payment is CHECKOUT_PENDING, the hold is read again this often (server clock). */
export const PENDING_RECHECK_MS = 2_000;
/** After a read that failed, the next one waits at least this long (and for a newer availability). */
export const RETRY_RECHECK_MS = 2_000;

export interface PaymentRecheckDeps {
	hold: HeldReservation | null;
	busy: boolean;
	/** Server clock minus this device's (useProductFeed.ts). */
	offsetMs: number;
	availabilityAsOfMs: number | null;
	/** RESERVED: the payment took nothing (never arrived, or failed and kept the hold). */
	unpaid(): void;
	/** CHECKOUT_PENDING: the payment is still running on the server. */
	pending(): void;
	paid(current: Reservation): void;
	/** Cancelled, expired or released: the hold is over. */
	ended(status: HoldStatus): void;
	/** A definite refusal of the read (404: no such hold for this session; 401: the session ended). */
	gone(err: ApiErr): void;
}

interface Unsettled {
	reservationId: string;
	/** Server time the request was sent (or of the last look): an availability newer than it shows the server answering. */
	afterServerMs: number;
	/** Server time at which to look again whatever the feed says (a payment still settling). */
	dueServerMs: number | null;
	/** One PENDING notice per payment: the next looks change nothing on screen until it settles. */
	saidPending: boolean;
}

export function usePaymentRecheck(api: ApiClient, deps: PaymentRecheckDeps) {
	const unsettled = useRef<Unsettled | null>(null);
	const reading = useRef(false);
	const { hold, busy, availabilityAsOfMs } = deps;
	const latest = useRef(deps);
	latest.current = deps;

	useEffect(() => {
		const u = unsettled.current;
		if (u === null || busy || reading.current) return;
		if (hold?.reservation.reservationId !== u.reservationId) {
			// The hold left the screen (or is another one): nothing to say about that payment.
			unsettled.current = null;
			return;
		}
		const answered = availabilityAsOfMs !== null && availabilityAsOfMs > u.afterServerMs;
		const due = u.dueServerMs !== null && Date.now() + deps.offsetMs >= u.dueServerMs;
		if (!answered && !due) return;
		reading.current = true;
		void api.reservation(u.reservationId).then((r) => {
			reading.current = false;
			// A new Pay or a Release since: its own outcome speaks.
			if (unsettled.current !== u) return;
			const on = latest.current;
			const nowServerMs = Date.now() + on.offsetMs;
			if (!r.ok) {
				// A definite refusal (the hold is not this session's any more, the session ended)
				// will not change by asking again, and makes the notice stale as well: say it.
				const definite = r.status >= 400 && r.status < 500 && r.status !== 429;
				if (definite) {
					unsettled.current = null;
					on.gone(r);
					return;
				}
				unsettled.current = {
					...u,
					afterServerMs: nowServerMs + RETRY_RECHECK_MS,
					dueServerMs: null,
				};
				return;
			}
			const status = r.data.status;
			if (status === "CHECKOUT_PENDING") {
				// Looked at again in PENDING_RECHECK_MS, or at a change the feed brings after that
				// (the sale itself), never at every message of a busy feed.
				unsettled.current = {
					...u,
					afterServerMs: nowServerMs + PENDING_RECHECK_MS,
					dueServerMs: nowServerMs + PENDING_RECHECK_MS,
					saidPending: true,
				};
				if (!u.saidPending) on.pending();
				return;
			}
			unsettled.current = null;
			if (status === "RESERVED") on.unpaid();
			else if (status === "PAID") on.paid(r.data);
			else on.ended(status);
		});
	});

	return {
		/** The payment of `reservationId`, sent at `sentAtServerMs`, got no answer. */
		after(reservationId: string, sentAtServerMs: number) {
			unsettled.current = {
				reservationId,
				afterServerMs: sentAtServerMs,
				dueServerMs: null,
				saidPending: false,
			};
		},
		/** Another action on the hold (Pay again, Release): its outcome replaces the notice. */
		forget() {
			unsettled.current = null;
		},
	};
}
