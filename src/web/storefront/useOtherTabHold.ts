// A hold the session took elsewhere: in another tab of this browser, which says so on the tabs'
// channel (useTabNews.ts `held`), or in a tab that could not tell this one (the browser froze it
// while the other reserved, or another browser or device shares the session). A tab that shows
// no hold asks the server for the session's standing holds on this SKU
// (`GET /api/products/:sku/holds/mine`) when another tab's news arrives and when it comes back
// into view (useTabNews.ts `news`, at most once every SHOWN_AGAIN_GAP_MS for the latter; not
// while the stock shows no unit held, unless a tab named its hold), never on a timer, and shows
// the one the news named, else the newest, while it stands. So it no longer offers the quantity the other hold has used up only for the server to refuse it. The
// hold is then on both tabs, as after a duplication: paid or released in one, it leaves the other
// (useHoldCheck.ts); paid twice, the second Pay finds it paid and shows the order
// (useHoldActions.ts). A tab that shows a hold of its own keeps it (one hold on screen per SKU); a
// tab whose own action runs lets that action's outcome speak. One read at a time.
// A page that loads with a session and no hold of its own reads once too, whatever the stock
// shows (a second browser opened after the other reserved learns of its hold at once). Every
// read also tells the page the server's count (the Quantity cap, units-elsewhere.ts) and a
// running cool-down (the Reserve button counts it down before the buyer clicks).
// docs/decisions/111-the-storefronts-leftovers.md, docs/decisions/122-a-buyers-read-of-the-sessions-holds.md,
// docs/decisions/131-the-buyers-read-followed-through.md

import { useEffect, useRef } from "preact/hooks";
import type { ApiClient } from "../api/client.ts";
import { load } from "../lib/stored.ts";
import { coolDownFromRead, elsewhereHoldText, holdToShow } from "./elsewhere-hold.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import type { StoreNotice } from "./store-notice.ts";
import { isPendingReserve, pendingReserveKey } from "./stored.ts";

export interface OtherTabHoldDeps {
	sku: string;
	/** The page has a live session to ask with. */
	session: boolean;
	/** Other tabs' news and this tab's returns into view, counted (useTabNews.ts). */
	news: number;
	/** The latest hold another tab said it took (useTabNews.ts). */
	held: { holdId: string; n: number } | null;
	/**
	 * The stock shows units held by someone (or the page has no figure yet). When it shows none,
	 * the session holds none either, and news that names no hold asks nothing: a drop's buyers
	 * switch tabs often, and a sold-out or quiet drop's pages need not ask.
	 */
	heldAnywhere: boolean;
	hold: HeldReservation | null;
	busy: boolean;
	/** The page knows the server's clock (the product is read): the load read waits for it. */
	loaded: boolean;
	offsetMs: number;
	setHold(h: HeldReservation): void;
	say(notice: StoreNotice): void;
	/** The server's count for the limit, and the units of the hold this read put on screen. */
	counted(usedUnits: number, shownUnits: number): void;
	/** A cool-down runs until `untilMs` (this page's clock): Reserve counts down to it. */
	cooling(untilMs: number): void;
}

export function useOtherTabHold(api: ApiClient, deps: OtherTabHoldDeps): void {
	const latest = useRef(deps);
	latest.current = deps;
	const seenNews = useRef(deps.news);
	const seenHeld = useRef(deps.held?.n ?? 0);
	/** News seen and not read yet; the hold a tab named with it, if one did. */
	// The page's first render with a session and no hold asks once (`load`: whatever the stock),
	// unless a Reserve of this page's is unsettled: its retry under the same key says its outcome,
	// the hold in this tab's own words (useReserve.ts).
	const wanted = useRef<{ named: string | null; load?: boolean } | null>(
		deps.session &&
			deps.hold === null &&
			load(pendingReserveKey(deps.sku), isPendingReserve) === null
			? { named: null, load: true }
			: null,
	);
	const reading = useRef(false);
	const { news, held, hold, busy, session, sku, heldAnywhere, loaded } = deps;

	useEffect(() => {
		if (news !== seenNews.current) {
			seenNews.current = news;
			const told = held !== null && held.n !== seenHeld.current;
			if (held !== null) seenHeld.current = held.n;
			wanted.current = {
				named: told && held !== null ? held.holdId : null,
				...(wanted.current?.load === true ? { load: true } : {}),
			};
		}
		const want = wanted.current;
		if (want === null || reading.current) return;
		// Nothing to show it in (a hold on screen, or none can be asked for), nothing that could be
		// shown (no unit held on the SKU, and no tab named a hold), or the buyer acts.
		if (hold !== null || !session || (want.named === null && !want.load && !heldAnywhere)) {
			wanted.current = null;
			return;
		}
		if (busy || (want.load === true && !loaded)) return;
		wanted.current = null;
		reading.current = true;
		void api.sessionHolds(sku).then((r) => {
			reading.current = false;
			const on = latest.current;
			// Not answered, or this tab took or shows a hold meanwhile: nothing to show.
			if (!r.ok || on.hold !== null || on.busy || on.sku !== sku) return;
			const shown = holdToShow(r.data.holds, want.named);
			on.counted(r.data.usedUnits, shown?.quantity ?? 0);
			const cool =
				shown === null ? coolDownFromRead(r.data.coolDownUntil, on.offsetMs, Date.now()) : null;
			if (cool !== null) {
				on.cooling(cool.untilMs);
				on.say({
					tone: "info",
					text: cool.text,
					code: "hold_cooldown",
					atServerMs: Date.now() + on.offsetMs,
				});
			}
			if (shown === null) return;
			on.setHold({ reservation: shown, deadlineMs: Date.now() + shown.expiresInSeconds * 1000 });
			on.say({
				tone: "info",
				text: elsewhereHoldText(shown.quantity, shown.reservationId === want.named),
			});
		});
	}, [api, sku, news, held, hold, busy, session, heldAnywhere, loaded]);
}
