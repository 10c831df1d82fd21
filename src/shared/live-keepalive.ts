// The live feed's keep-alive (docs/api.md: GET …/live; docs/decisions/139-the-live-feeds-idle-places.md),
// shared by the SKU object (src/inventory/live.ts) and the pages (src/web/api/live-source.ts).
// A client that wants its socket kept while it sends nothing else sends LIVE_KEEPALIVE now and
// then; the runtime answers it itself (a hibernatable WebSocket's auto-response), so the object
// is not woken, and remembers when. A socket that sent nothing, keep-alive or ask, for the idle
// bound may be closed with LIVE_IDLE_CLOSE_CODE to free its place.

/** The keep-alive a client sends, exactly this text. */
export const LIVE_KEEPALIVE = '{"type":"keepalive"}';

/**
 * The close code of a socket closed because nothing was heard from it for the idle bound: in
 * the range WebSocket leaves to applications (4000–4999), 408 after HTTP's Request Timeout.
 */
export const LIVE_IDLE_CLOSE_CODE = 4408;

/** The keep-alive's answer: it names the idle bound, so a client can pace its keep-alives. */
export function keepAliveAnswer(idleSeconds: number): string {
	return JSON.stringify({ type: "keepalive", idleSeconds });
}

/** The idle bound a keep-alive answer names; null for any other message. */
export function parseKeepAliveAnswer(data: unknown): number | null {
	if (typeof data !== "string") return null;
	try {
		const msg = JSON.parse(data) as Record<string, unknown>;
		if (msg.type !== "keepalive" || typeof msg.idleSeconds !== "number") return null;
		return msg.idleSeconds > 0 ? msg.idleSeconds : null;
	} catch {
		return null;
	}
}
