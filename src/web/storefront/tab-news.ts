// Word between the open tabs of one buyer session: "this session's standing on this SKU just
// changed here" (a hold taken, paid or released, a place in the queue taken). A duplicated tab
// starts with a copy of the first tab's sessionStorage (the same session, the same hold), but the
// two copies are not shared afterwards, so a `storage` event never crosses tabs; a
// BroadcastChannel does (same origin, in the browser, no request). The news carries no state: a
// tab that hears it asks the server (useHoldCheck.ts, useQueueTicket.ts), which stays the source
// of truth. Pure (the channel itself is opened in useTabNews.ts), unit-tested in Node:
// test/unit/storefront-tab-news.test.ts.
// docs/decisions/110-two-tabs-of-one-buyer.md

/** The channel's name (one per origin: every storefront tab of this browser profile hears it). */
export const TAB_NEWS_CHANNEL = "rg.buyer.news";

/** A tab that comes back into view asks again at most this often, however often it is switched to. */
export const SHOWN_AGAIN_GAP_MS = 5_000;

export interface TabNews {
	sessionId: string;
	sku: string;
	/** Units may have gone back (a hold released): a limit seen by another tab may no longer hold. */
	freed: boolean;
}

export function isTabNews(v: unknown): v is TabNews {
	if (typeof v !== "object" || v === null) return false;
	const o = v as Record<string, unknown>;
	return (
		typeof o.sessionId === "string" && typeof o.sku === "string" && typeof o.freed === "boolean"
	);
}

/** Whether news heard on the channel is about this tab's session and SKU (other sessions' is not). */
export function newsFor(v: unknown, sessionId: string | null, sku: string): TabNews | null {
	return isTabNews(v) && sessionId !== null && v.sessionId === sessionId && v.sku === sku
		? v
		: null;
}
