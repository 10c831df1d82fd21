// What the waiting room's public trail shows of each event (GET /api/products/:sku/queue/events,
// src/worker/routes/queue-trail.ts; docs/decisions/087-room-start-and-public-order.md).

/**
 * What each room event may show the public, by key. The trail's query already leaves the
 * session column out; this keeps out anything a later change puts into an event's detail (a
 * session, an address, a hold) until it is added here on purpose. A key not listed is dropped,
 * and an event type not listed shows no detail.
 */
export const PUBLIC_ROOM_DETAIL: Readonly<Record<string, readonly string[]>> = {
	"queue.enabled": ["enabled", "admitSeconds", "overbook", "seedCommitment"],
	"queue.updated": ["enabled", "admitSeconds", "overbook"],
	"queue.ticket": ["ticketId", "seq", "preQueue"],
	"queue.started": ["seed", "seedCommitment", "preQueue", "algorithm"],
	"queue.admitted": ["ticketId", "seq", "rank", "admittedUntil"],
	"queue.lapsed": ["ticketId", "admittedUntil"],
	"queue.sold_out": ["tickets"],
	"queue.reset": ["tickets"],
};

/** The public part of a room event's stored detail (PUBLIC_ROOM_DETAIL). */
export function publicRoomDetail(
	type: string,
	detail: Record<string, unknown>,
): Record<string, unknown> | undefined {
	const keys = PUBLIC_ROOM_DETAIL[type];
	if (keys === undefined) return undefined;
	const out: Record<string, unknown> = {};
	for (const key of keys) if (key in detail) out[key] = detail[key];
	return out;
}
