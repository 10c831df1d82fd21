// A hold another tab of the session took (useTabNews.ts `held`: the channel carries its id, not
// its state). A tab that shows no hold reads it from the server (`GET /api/reservations/:id`, the
// owner's read) and shows it while it stands, so a duplicated tab no longer offers the quantity
// the other tab's hold has used up, only for the server to refuse it. The hold is then on both
// tabs, as after a duplication: paid or released in one, it leaves the other (useHoldCheck.ts),
// paid twice, the second Pay finds it paid and shows the order (useHoldActions.ts).
// A tab that shows a hold of its own keeps it (one hold on screen per SKU); a tab whose own
// action runs lets that action's outcome speak. A tab that missed the message (frozen in the
// background) does not learn of the hold this way: docs/decisions/111-the-storefronts-leftovers.md
// says which read would cover it.

import { useEffect, useRef } from "preact/hooks";
import type { ApiClient } from "../api/client.ts";
import { stillHeld } from "./ended-hold.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import type { StoreNotice } from "./store-notice.ts";

export interface OtherTabHoldDeps {
	/** The latest hold another tab took (useTabNews.ts). */
	held: { holdId: string; n: number } | null;
	hold: HeldReservation | null;
	busy: boolean;
	setHold(h: HeldReservation): void;
	say(notice: StoreNotice): void;
}

export function useOtherTabHold(api: ApiClient, deps: OtherTabHoldDeps): void {
	const latest = useRef(deps);
	latest.current = deps;
	const seen = useRef(deps.held?.n ?? 0);
	const { held } = deps;
	useEffect(() => {
		if (held === null || held.n === seen.current) return;
		seen.current = held.n;
		const now = latest.current;
		if (now.hold !== null || now.busy) return;
		void api.reservation(held.holdId).then((r) => {
			const on = latest.current;
			// Not (or no longer) standing, or this tab took or shows a hold meanwhile: nothing to show.
			if (!r.ok || !stillHeld(r.data.status) || on.hold !== null || on.busy) return;
			on.setHold({ reservation: r.data, deadlineMs: Date.now() + r.data.expiresInSeconds * 1000 });
			const units = r.data.quantity === 1 ? "1 unit" : `${r.data.quantity} units`;
			on.say({
				tone: "info",
				text: `Your other tab reserved ${units}: the hold shows here too, and you can pay it from either tab.`,
			});
		});
	}, [api, held]);
}
