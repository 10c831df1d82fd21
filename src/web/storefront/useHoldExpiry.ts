// When the hold's countdown reaches zero, the server's clock decides: ask it, keep
// the hold if it still stands, otherwise drop it and say why — in the words of the
// status the server gave, and without claiming more than the page knows when the
// server cannot be reached.

import { useEffect, useRef } from "preact/hooks";
import type { Reservation } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeCode } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";
import { time } from "../lib/format.ts";
import { endedHoldNotice, stillHeld } from "./ended-hold.ts";
import type { HeldReservation } from "./HoldPanel.tsx";

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
