// When the hold's countdown reaches zero, the server's clock decides: ask it, keep
// the hold if it still stands, otherwise drop it and say why — in the words of the
// status the server gave, and without claiming more than the page knows when the
// server cannot be reached.

import { useEffect, useRef } from "preact/hooks";
import type { HoldStatus, Reservation } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeCode } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";
import { time } from "../lib/format.ts";
import type { HeldReservation } from "./HoldPanel.tsx";

/** Statuses in which the hold still stands on the server: it stays on screen. */
const STILL_HELD: readonly HoldStatus[] = ["RESERVED", "CHECKOUT_PENDING"];

export function stillHeld(status: HoldStatus): boolean {
	return STILL_HELD.includes(status);
}

/** What the buyer is told about a hold the page showed that the server says has ended. */
export function endedHoldNotice(status: HoldStatus): NoticeValue {
	switch (status) {
		case "CANCELLED":
			return { tone: "info", text: "This hold was cancelled, so its units are back in stock." };
		case "PAYMENT_FAILED":
			return {
				tone: "error",
				text: "This hold was released after its payments failed, so its units went back to stock. Reserve again if any are left.",
			};
		case "PAID":
			return { tone: "success", text: "This hold is already paid." };
		default:
			return {
				tone: "error",
				text: describeCode("reservation_expired", "The hold expired."),
			};
	}
}

export function useHoldExpiry(
	api: ApiClient,
	hold: HeldReservation | null,
	setHold: (h: HeldReservation | null) => void,
	nowMs: number,
	busy: boolean,
	say: (notice: NoticeValue) => void,
	/** The hold was paid elsewhere (another tab): the page shows its order. */
	paid: (reservation: Reservation) => void,
): void {
	const checking = useRef(false);
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
			const unconfirmed = r.code === "network_error" || r.status >= 500;
			say({
				tone: "error",
				text: unconfirmed
					? `Your hold ended at ${time(new Date(hold.deadlineMs).toISOString())}, so its units went back to stock. (This page could not reach the store to confirm.)`
					: describeCode("reservation_expired", "The hold expired."),
			});
		});
	}, [api, hold, setHold, nowMs, busy, say, paid]);
}
