// Following a SKU's audit trail: start at its tail, then ask only for what came
// after. Pure of Preact and the DOM, so the unit tests drive it with a fake API.
//
// The cursor is always the server's (`last` of the page just read). A split SKU
// pages by D1 row id while each event's `seq` counts within its own shard
// (src/worker/routes/admin.ts), so a cursor made from an event would point
// before the trail and fetch it all again on every poll.

import type { AuditEvent } from "../../shared/types.ts";
import type { ApiResult, EventsPage } from "../api/client.ts";

/** Events fetched per page (docs/api.md allows 1..1000) and pages per poll while catching up. */
export const EVENTS_PAGE = 1_000;
export const EVENTS_PAGES_PER_POLL = 5;
/** Rows the audit table keeps (newest first). */
export const AUDIT_ROWS = 200;

export interface TrailApi {
	events(sku: string, after: string | null, limit: number): Promise<ApiResult<EventsPage>>;
	eventsTail(sku: string, count: number): Promise<ApiResult<EventsPage>>;
}

/**
 * One poll of the trail per call: the first reads the newest AUDIT_ROWS events,
 * each later one the events after the last seen. `onEvents` gets each page's
 * new events, oldest first. Resolves false when the server could not be asked
 * (the caller backs off and calls again; nothing is skipped or repeated).
 */
export function trailPoller(
	api: TrailApi,
	sku: string,
	onEvents: (events: AuditEvent[]) => void,
	isStopped: () => boolean = () => false,
): () => Promise<boolean> {
	let cursor: string | null = null;
	let started = false;
	return async () => {
		if (!started) {
			const tail = await api.eventsTail(sku, AUDIT_ROWS);
			if (isStopped()) return true;
			if (!tail.ok) return false;
			if (tail.data.events.length > 0) onEvents(tail.data.events);
			cursor = tail.data.last;
			started = true;
		}
		for (let page = 0; page < EVENTS_PAGES_PER_POLL; page++) {
			const r = await api.events(sku, cursor, EVENTS_PAGE);
			if (isStopped()) return true;
			if (!r.ok) return false;
			if (r.data.events.length > 0) onEvents(r.data.events);
			cursor = r.data.last ?? cursor;
			if (r.data.next === null) return true;
		}
		return true;
	};
}

/** The audit table's rows after a page: newest first, at most AUDIT_ROWS. */
export function withNewEvents(rows: AuditEvent[], page: AuditEvent[]): AuditEvent[] {
	return [...page.slice(-AUDIT_ROWS).reverse(), ...rows].slice(0, AUDIT_ROWS);
}
