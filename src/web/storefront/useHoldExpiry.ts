// When the hold's countdown reaches zero, the server's clock decides: ask it, keep
// the hold if it still stands, otherwise drop it and say why — in the words of the
// status the server gave, and without claiming more than the page knows when the
// server cannot be reached.
// That last notice ("…could not reach the store to confirm") is true while the store is out of
// reach and stale once it answers again: so the page remembers the hold, and once an
// availability newer than the failed read shows the server answering (the live feed back after
// an outage), it reads the hold once and puts the server's word in its place — expired, paid in
// another tab (its order), or gone (404). Only while that notice is still the one on screen: any
// later outcome speaks for itself. A read that fails again waits for the next newer
// availability, no sooner than CONFIRM_RETRY_MS.
// docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md

import { useEffect, useRef } from "preact/hooks";
import type { Reservation } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeCode } from "../api/outcomes.ts";
import { time } from "../lib/format.ts";
import { endedHoldNotice, RESET_HOLD_NOTICE, stillHeld, whyUnconfirmed } from "./ended-hold.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import type { StoreNotice } from "./store-notice.ts";

/** After a confirming read that failed, the next one waits at least this long (server clock). */
export const CONFIRM_RETRY_MS = 2_000;

/**
 * A failed read of the hold that says nothing about it: no answer, a 5xx, or the read limiter's
 * 429. Only the store's own word about the hold (its status, a 404, a 410) ends it for sure.
 */
function unsure(r: { ok: false; code: string; status: number }): boolean {
	return r.code === "network_error" || r.status >= 500 || r.status === 429;
}

export interface HoldExpiryDeps {
	hold: HeldReservation | null;
	setHold(h: HeldReservation | null): void;
	nowMs: number;
	busy: boolean;
	/** The notice on screen now: a confirmation replaces only its own unconfirmed notice. */
	notice: StoreNotice | null;
	say(notice: StoreNotice): void;
	/** The hold was paid elsewhere (another tab): the page shows its order. */
	paid(reservation: Reservation): void;
	/** Server clock minus this device's (useProductFeed.ts). */
	offsetMs: number;
	availabilityAsOfMs: number | null;
}

interface Unconfirmed {
	hold: HeldReservation;
	/** The notice said; replaced only while it is still the one on screen. */
	shown: StoreNotice;
	/** Server time of the failed read: an availability newer than it shows the server answering. */
	afterServerMs: number;
}

export function useHoldExpiry(api: ApiClient, deps: HoldExpiryDeps): void {
	const checking = useRef(false);
	const unconfirmed = useRef<Unconfirmed | null>(null);
	const latest = useRef(deps);
	latest.current = deps;
	const { hold, setHold, nowMs, busy, say, paid } = deps;

	useEffect(() => {
		if (hold === null || nowMs < hold.deadlineMs || busy || checking.current) return;
		checking.current = true;
		void api.reservation(hold.reservation.reservationId).then((r) => {
			checking.current = false;
			// Still held (or a payment from another tab is settling it): look again shortly.
			if (r.ok && stillHeld(r.data.status)) {
				setHold({ ...hold, deadlineMs: Date.now() + 1000 });
				return;
			}
			setHold(null);
			if (r.ok && r.data.status === "PAID") return paid(r.data);
			if (r.ok) return say(endedHoldNotice(r.data.status));
			if (unsure(r)) {
				const shown: StoreNotice = {
					tone: "error",
					text: `Your hold ended at ${time(new Date(hold.deadlineMs).toISOString())}, so its units went back to stock. ${whyUnconfirmed(r.status)}`,
				};
				unconfirmed.current = {
					hold,
					shown,
					afterServerMs: Date.now() + latest.current.offsetMs,
				};
				return say(shown);
			}
			say({ tone: "error", text: describeCode("reservation_expired", "The hold expired.") });
		});
	}, [api, hold, setHold, nowMs, busy, say, paid]);

	// The store answers again: confirm the notice it could not.
	useEffect(() => {
		const u = unconfirmed.current;
		if (u === null || checking.current) return;
		if (deps.notice !== u.shown) {
			// Another outcome took its place (a new hold, a refusal): nothing left to confirm.
			unconfirmed.current = null;
			return;
		}
		if (deps.availabilityAsOfMs === null || deps.availabilityAsOfMs <= u.afterServerMs) return;
		checking.current = true;
		void api.reservation(u.hold.reservation.reservationId).then((r) => {
			checking.current = false;
			const on = latest.current;
			if (unconfirmed.current !== u) return;
			if (on.notice !== u.shown || on.hold !== null) {
				unconfirmed.current = null;
				return;
			}
			if (!r.ok && unsure(r)) {
				unconfirmed.current = {
					...u,
					afterServerMs: Date.now() + on.offsetMs + CONFIRM_RETRY_MS,
				};
				return;
			}
			unconfirmed.current = null;
			if (!r.ok) {
				// 404: the store has no such hold for this session, and a paid one would read PAID.
				// Another refusal (401: the session ended) confirms nothing: the notice stays.
				if (r.status === 404) on.say(RESET_HOLD_NOTICE);
				return;
			}
			// The server's clock says it still stands (this device's ran ahead): it comes back,
			// and its own timer asks again when it runs out.
			if (stillHeld(r.data.status)) {
				on.setHold({ ...u.hold, deadlineMs: Date.now() + 1000 });
				on.say({ tone: "info", text: "The store answers again: this hold is still yours." });
				return;
			}
			if (r.data.status === "PAID") return on.paid(r.data);
			on.say(endedHoldNotice(r.data.status));
		});
	});
}
