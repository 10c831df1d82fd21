// Live availability (docs/api.md: GET /api/products/:sku/live, a WebSocket that
// sends {"type":"availability", ...} on connect and after every change; with
// `?with=product`, also {"type":"product", ...} after the operator changes it).
// Reconnects with capped exponential backoff and jitter, so a restart of the
// server or a flaky phone connection does not leave a stale number on screen;
// `wake` cuts a wait short once another request has reached the server.

import {
	backoffMs,
	type LiveSource,
	parseAvailabilityMessage,
	parseProductMessage,
} from "./live-protocol.ts";

// The source's shape lives with the protocol, without the DOM, so the in-browser mock
// (src/web/mock/backend.ts), which is one, can be unit-tested in Node.
export type { LiveSource, LiveState } from "./live-protocol.ts";

/** What the source needs of a socket (the browser's WebSocket; a fake in test/unit/live-source.test.ts). */
export type OpenSocket = (url: string) => WebSocket;

export function webSocketSource(
	origin: string = location.origin,
	open: OpenSocket = (url) => new WebSocket(url),
): LiveSource {
	const wsOrigin = origin.replace(/^http/, "ws");
	/** The wake of every subscription that is running. */
	const wakers = new Set<() => void>();
	return {
		subscribe(sku, onAvailability, onState, onProduct) {
			let socket: WebSocket | null = null;
			let timer: ReturnType<typeof setTimeout> | null = null;
			let attempt = 0;
			let stopped = false;
			/** This outage's wake was used (reset when the socket opens). */
			let woken = false;

			const connect = () => {
				timer = null;
				if (stopped) return;
				onState({ kind: "connecting" });
				const query = onProduct === undefined ? "" : "?with=product";
				const ws = open(`${wsOrigin}/api/products/${encodeURIComponent(sku)}/live${query}`);
				socket = ws;
				ws.onopen = () => {
					attempt = 0;
					woken = false;
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
					onState({ kind: "waiting", retryInMs, retryAtMs: Date.now() + retryInMs, attempt });
					timer = setTimeout(connect, retryInMs);
				};
			};
			const wake = () => {
				if (stopped || timer === null || woken) return;
				woken = true;
				clearTimeout(timer);
				connect();
			};
			wakers.add(wake);
			connect();
			return () => {
				stopped = true;
				wakers.delete(wake);
				if (timer !== null) clearTimeout(timer);
				socket?.close(1000, "bye");
			};
		},
		wake() {
			for (const wake of wakers) wake();
		},
	};
}
