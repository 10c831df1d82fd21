// Live availability (docs/api.md: GET /api/products/:sku/live, a WebSocket that
// sends {"type":"availability", ...} on connect and after every change; with
// `?with=product`, also {"type":"product", ...} after the operator changes it).
// Reconnects with capped exponential backoff and jitter, so a restart of the
// server or a flaky phone connection does not leave a stale number on screen
// (live-source.ts, which this gives the browser's WebSocket).

import type { LiveSource } from "./live-protocol.ts";
import { reconnectingSource } from "./live-source.ts";

// The source's shape lives with the protocol, without the DOM, so the in-browser mock
// (src/web/mock/backend.ts), which is one, can be unit-tested in Node.
export type { LiveSource, LiveState } from "./live-protocol.ts";

export function webSocketSource(origin: string = location.origin): LiveSource {
	return reconnectingSource(origin, (url, on) => {
		const ws = new WebSocket(url);
		ws.onopen = () => on.open();
		ws.onmessage = (event) => on.message(event.data);
		ws.onclose = () => on.close();
		return ws;
	});
}
