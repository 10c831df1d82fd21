// Live availability (docs/api.md: GET /api/products/:sku/live, a WebSocket that
// sends {"type":"availability", ...} on connect and after every change; with
// `?with=product`, also {"type":"product", ...} after the operator changes it).
// Reconnects with capped exponential backoff and jitter, so a restart of the
// server or a flaky phone connection does not leave a stale number on screen
// (live-source.ts, which this gives the browser's WebSocket and the document's visibility).

import type { LiveSource } from "./live-protocol.ts";
import { type PageVisibility, reconnectingSource } from "./live-source.ts";

// The source's shape lives with the protocol, without the DOM, so the in-browser mock
// (src/web/mock/backend.ts), which is one, can be unit-tested in Node.
export type { LiveSource, LiveState } from "./live-protocol.ts";

/** The document's visibility: the keep-alive is sent only while the page is in view. */
const documentVisibility: PageVisibility = {
	visible: () => document.visibilityState === "visible",
	onChange(listener) {
		document.addEventListener("visibilitychange", listener);
		return () => document.removeEventListener("visibilitychange", listener);
	},
};

export function webSocketSource(origin: string = location.origin): LiveSource {
	return reconnectingSource(
		origin,
		(url, on) => {
			const ws = new WebSocket(url);
			ws.onopen = () => on.open();
			ws.onmessage = (event) => on.message(event.data);
			ws.onclose = (event) => on.close(event.code);
			return ws;
		},
		documentVisibility,
	);
}
