// Live availability (docs/api.md: GET /api/products/:sku/live, a WebSocket that
// sends {"type":"availability", ...} on connect and after every change; with
// `?with=product`, also {"type":"product", ...} after the operator changes it).
// Reconnects with capped exponential backoff and jitter, so a restart of the
// server or a flaky phone connection does not leave a stale number on screen.

import {
	backoffMs,
	type LiveSource,
	parseAvailabilityMessage,
	parseProductMessage,
} from "./live-protocol.ts";

// The source's shape lives with the protocol, without the DOM, so the in-browser mock
// (src/web/mock/backend.ts), which is one, can be unit-tested in Node.
export type { LiveSource, LiveState } from "./live-protocol.ts";

export function webSocketSource(origin: string = location.origin): LiveSource {
	const wsOrigin = origin.replace(/^http/, "ws");
	return {
		subscribe(sku, onAvailability, onState, onProduct) {
			let socket: WebSocket | null = null;
			let timer: ReturnType<typeof setTimeout> | null = null;
			let attempt = 0;
			let stopped = false;

			const connect = () => {
				if (stopped) return;
				onState({ kind: "connecting" });
				const query = onProduct === undefined ? "" : "?with=product";
				const ws = new WebSocket(
					`${wsOrigin}/api/products/${encodeURIComponent(sku)}/live${query}`,
				);
				socket = ws;
				ws.onopen = () => {
					attempt = 0;
					onState({ kind: "open" });
				};
				ws.onmessage = (event) => {
					const availability = parseAvailabilityMessage(event.data);
					if (availability !== null) onAvailability(availability);
					const product = onProduct === undefined ? null : parseProductMessage(event.data);
					if (product !== null) onProduct?.(product);
				};
				ws.onclose = () => {
					if (stopped || socket !== ws) return;
					attempt += 1;
					const retryInMs = backoffMs(attempt);
					onState({ kind: "waiting", retryInMs, attempt });
					timer = setTimeout(connect, retryInMs);
				};
			};
			connect();
			return () => {
				stopped = true;
				if (timer !== null) clearTimeout(timer);
				socket?.close(1000, "bye");
			};
		},
	};
}
