// Word between the open tabs of one buyer session: "this session's standing on this SKU just
// changed here" (a hold taken, paid or released, a place in the queue taken). A duplicated tab
// starts with a copy of the first tab's sessionStorage (the same session, the same hold), but the
// two copies are not shared afterwards, so a `storage` event never crosses tabs; a
// BroadcastChannel does (same origin, in the browser, no request). The news carries no state: a
// tab that hears it asks the server (useHoldCheck.ts, useQueueTicket.ts), which stays the source
// of truth. Pure (the channel itself is opened in useTabNews.ts), unit-tested in Node:
// test/unit/storefront-tab-news.test.ts.
// docs/decisions/110-two-tabs-of-one-buyer.md
// Two pointers ride along (docs/decisions/111-the-storefronts-leftovers.md): the id of a hold just
// taken, which a tab showing none reads from the server and shows (a duplicate did not learn of
// the other tab's new hold), and the units a release freed, which a tab holding the server's count
// of the session's units from a 403 subtracts, keeping the limit while that count still reaches
// it (a release there does not always bring the session under the limit).

/** The channel's name (one per origin: every storefront tab of this browser profile hears it). */
export const TAB_NEWS_CHANNEL = "rg.buyer.news";

/** A tab that comes back into view asks again at most this often, however often it is switched to. */
export const SHOWN_AGAIN_GAP_MS = 5_000;

export interface TabNews {
	sessionId: string;
	sku: string;
	/** Units may have gone back (a hold released): a limit seen by another tab may no longer hold. */
	freed: boolean;
	/** A hold was just taken: its id, for the other tabs to read (`GET /api/reservations/:id`). */
	holdId?: string;
	/** With `freed`: how many units the release gave back. */
	units?: number;
}

export function isTabNews(v: unknown): v is TabNews {
	if (typeof v !== "object" || v === null) return false;
	const o = v as Record<string, unknown>;
	return (
		typeof o.sessionId === "string" &&
		typeof o.sku === "string" &&
		typeof o.freed === "boolean" &&
		(o.holdId === undefined || typeof o.holdId === "string") &&
		(o.units === undefined || (Number.isInteger(o.units) && (o.units as number) > 0))
	);
}

/** Whether news heard on the channel is about this tab's session and SKU (other sessions' is not). */
export function newsFor(v: unknown, sessionId: string | null, sku: string): TabNews | null {
	return isTabNews(v) && sessionId !== null && v.sessionId === sessionId && v.sku === sku
		? v
		: null;
}

/** A limit as the server's 403 counted it (`error.limit`, docs/api.md); null where not said. */
export interface LimitCount {
	perUserLimit: number | null;
	usedUnits: number | null;
}

/**
 * The limit after other tabs of the session released `freedUnits` units (null: a release that did
 * not say how many): the count that still reaches the limit, or null when the session may now be
 * under it (or the page cannot tell), so the limit's words go and the server decides again.
 */
export function limitAfterFreed(limit: LimitCount, freedUnits: number | null): LimitCount | null {
	const { perUserLimit, usedUnits } = limit;
	if (perUserLimit === null || usedUnits === null || freedUnits === null) return null;
	const left = usedUnits - freedUnits;
	return left >= perUserLimit ? { perUserLimit, usedUnits: left } : null;
}
