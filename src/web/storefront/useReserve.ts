// The buyer's Reserve: one attempt with its Idempotency-Key, and what the page says and does with
// the answer. An attempt whose outcome is unknown keeps its key, in this tab's sessionStorage from
// before it is sent, so the next Reserve (after a reload too) gets the hold the lost attempt may
// have taken, never a second one (docs/storefront.md "Sale status and the Reserve button",
// docs/decisions/059-storefront-retries.md, docs/decisions/065-leftovers-of-the-review-rounds.md).
// A hold that comes back ended is said so (docs/decisions/088-ended-holds-and-replays.md).

import { useRef } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import { newIdempotencyKey } from "../lib/hooks.ts";
import { load, save } from "../lib/stored.ts";
import { endedHoldNotice, stillHeld } from "./ended-hold.ts";
import type { FocusRequest } from "./focus.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import type { SaleView } from "./sale.ts";
import { type StoreNotice, UNKNOWN_OUTCOME } from "./store-notice.ts";
import { isPendingReserve, type PendingReserve, pendingReserveKey } from "./stored.ts";

export interface ReserveDeps {
	sku: string;
	sale: SaleView | null;
	session: { sessionId: string } | null;
	product: Product | null;
	quantity: number;
	setBusy(b: null | "reserve"): void;
	setNotice(n: StoreNotice | null): void;
	say(n: StoreNotice, focus?: boolean): void;
	fail(err: ApiErr): void;
	setHold(h: HeldReservation): void;
	/** A refusal the page's copy of the product did not foresee: read it again. */
	rereadIfOutdated(code: string): void;
	/** Not (or no longer) admitted: read the queue ticket. */
	refreshQueue(): void;
	/** Tells the session's other tabs of the hold taken (useTabNews.ts). */
	told(holdId: string): void;
	focusNext(target: FocusRequest): void;
}

export function useReserve(api: ApiClient, deps: ReserveDeps): () => Promise<void> {
	const reserveKey = useRef<PendingReserve | null>(null);
	const { sku, sale, session, product, quantity } = deps;
	return async () => {
		if (sale === null || session === null) return;
		// An earlier Reserve of this SKU whose outcome is unknown may have taken a hold the page
		// never saw: the same key makes the server answer with that hold (docs/api.md,
		// Reservations), never a second one. Kept whatever the quantity now says, since the
		// server replays by key alone.
		const reuse = reserveKey.current ?? load(pendingReserveKey(sku), isPendingReserve);
		const pending =
			reuse?.sku === sku && reuse.sessionId === session.sessionId
				? reuse
				: { sku, sessionId: session.sessionId, key: newIdempotencyKey() };
		reserveKey.current = pending;
		save(pendingReserveKey(sku), pending);
		deps.setBusy("reserve");
		deps.setNotice(null);
		const r = await api.reserve(sku, {
			quantity: Math.min(quantity, sale.maxQuantity),
			idempotencyKey: pending.key,
		});
		deps.setBusy(null);
		if (!r.ok && (UNKNOWN_OUTCOME.has(r.code) || r.status >= 500)) {
			deps.fail(r);
			// A limiter's 429 took nothing and keeps its own "please wait" words.
			if (r.code === "rate_limited" || r.code === "cost_limit") return;
			deps.say({
				tone: "error",
				text: `${describeError(r, { perUserLimit: product?.perUserLimit, startsAt: product?.startsAt })} Reserving again is safe: if the first try took a hold, you get that same hold, never a second.`,
			});
			return;
		}
		// A definite answer: the next Reserve is a new attempt with a new key.
		reserveKey.current = null;
		save(pendingReserveKey(sku), null);
		if (!r.ok) {
			// Not (or no longer) admitted: the waiting page shows where this session stands.
			if (r.code === "queued") deps.refreshQueue();
			deps.rereadIfOutdated(r.code);
			return deps.fail(r);
		}
		// A retried key answers its hold as it stands now: one that ended meanwhile is said so,
		// never shown with a Pay button; a live one's countdown is the time it has left.
		if (!stillHeld(r.data.status)) return deps.setNotice(endedHoldNotice(r.data.status));
		deps.setHold({ reservation: r.data, deadlineMs: Date.now() + r.data.expiresInSeconds * 1000 });
		deps.told(r.data.reservationId);
		deps.setNotice({
			tone: "success",
			text: `Reserved ${r.data.quantity === 1 ? "1 unit" : `${r.data.quantity} units`}. Pay before the timer runs out to keep it.`,
		});
		// On a phone the hold and its Pay button start below the fold: bring them up.
		deps.focusNext({ id: "hold-title", toTop: true });
	};
}
