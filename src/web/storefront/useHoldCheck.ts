// A hold on screen that the server may no longer have: an operator's reset deletes every
// unpaid hold (docs/decisions/001-reset-keeps-paid-orders.md), a tab of the same session may
// pay or cancel it. Without a lost payment to settle (usePaymentRecheck.ts) nothing asked the
// server until the hold's own timer ran out, and the panel offered Pay for a hold that was gone.
// So the page reads the hold (`GET /api/reservations/:id`, no side effect) when the feed says it
// may have ended:
// - an availability newer than the hold that counts fewer units held than this hold holds
//   (`holdMayHaveEnded`): a hold that still stands is counted in `reserved`;
// - a product message on the feed (sent after an operator's PATCH or reset), or the feed
//   coming back after a drop (such a message may have been missed meanwhile);
// - another tab of the same session saying it paid or released a hold, or this tab coming back
//   into view (useTabNews.ts, docs/decisions/110-two-tabs-of-one-buyer.md): the other tab's hold
//   may be this one, and a busy drop's `reserved` never falls below this hold's quantity.
// RESERVED or CHECKOUT_PENDING: nothing changes. PAID: the order shows, never hidden. An ended
// status: its words (ended-hold.ts). 404: the store has no such hold for this session (`gone`).
// A read that fails changes nothing; the next evidence asks again.
// Bounded: one read at a time, none while the buyer's own action runs, and at most one every
// HOLD_CHECK_GAP_MS (server clock), however busy the feed.
// docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md

import { useEffect, useRef } from "preact/hooks";
import type { Availability, HoldStatus, Reservation } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { holdMayHaveEnded, stillHeld } from "./ended-hold.ts";
import type { HeldReservation } from "./HoldPanel.tsx";

/** The shortest gap between two reads of the hold by this check (server clock). */
export const HOLD_CHECK_GAP_MS = 2_000;

export interface HoldCheckDeps {
	hold: HeldReservation | null;
	/** The buyer's own action (Pay, Release) is running: its outcome speaks. */
	busy: boolean;
	availability: Availability | null;
	/**
	 * Counts the feed's product messages and its returns after a drop (useProductFeed.ts), and
	 * other tabs' news (useTabNews.ts).
	 */
	news: number;
	/** Server clock minus this device's (useProductFeed.ts). */
	offsetMs: number;
	paid(current: Reservation): void;
	/** Cancelled, expired or released. */
	ended(status: HoldStatus): void;
	/** A definite refusal of the read (404: no such hold for this session; 401: the session ended). */
	gone(err: ApiErr): void;
}

export function useHoldCheck(api: ApiClient, deps: HoldCheckDeps): void {
	const latest = useRef(deps);
	latest.current = deps;
	/** Evidence seen that the hold may have ended, not read yet. */
	const wanted = useRef(false);
	const reading = useRef(false);
	const seenNews = useRef(deps.news);
	const seenAsOf = useRef<string | null>(null);
	const notBeforeServerMs = useRef(0);
	const { hold, busy, availability, news, offsetMs } = deps;

	useEffect(() => {
		const newsChanged = news !== seenNews.current;
		seenNews.current = news;
		if (hold === null) {
			wanted.current = false;
			return;
		}
		if (newsChanged) wanted.current = true;
		if (availability !== null && availability.asOf !== seenAsOf.current) {
			seenAsOf.current = availability.asOf;
			if (holdMayHaveEnded(hold.reservation, availability)) wanted.current = true;
		}
		if (!wanted.current || busy || reading.current) return;
		if (Date.now() + offsetMs < notBeforeServerMs.current) return;
		wanted.current = false;
		reading.current = true;
		const id = hold.reservation.reservationId;
		void api.reservation(id).then((r) => {
			reading.current = false;
			const on = latest.current;
			notBeforeServerMs.current = Date.now() + on.offsetMs + HOLD_CHECK_GAP_MS;
			// The hold left the screen meanwhile, or the buyer acted: that outcome speaks.
			if (on.hold?.reservation.reservationId !== id || on.busy) return;
			if (r.ok) {
				if (stillHeld(r.data.status)) return;
				if (r.data.status === "PAID") return on.paid(r.data);
				return on.ended(r.data.status);
			}
			// A definite refusal will not change by asking again; anything else is not an answer.
			if (r.status === 404 || r.status === 401) on.gone(r);
		});
	});
}
