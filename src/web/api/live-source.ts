// The live feed's client without the DOM: one subscription per SKU, its socket reopened
// with capped exponential backoff and jitter (live-protocol.ts backoffMs), and `wake`,
// which cuts a wait short once another request has reached the server. The socket is
// given (the browser's WebSocket in live.ts; a fake in test/unit/live-source.test.ts).

import {
	backoffMs,
	type LiveSource,
	parseAvailabilityMessage,
	parseProductMessage,
} from "./live-protocol.ts";

/** What a socket tells the source. */
export interface LiveSocketEvents {
	open(): void;
	message(data: unknown): void;
	close(): void;
}

/** Opens a socket to `url` that reports to `on`. */
export type OpenLiveSocket = (
	url: string,
	on: LiveSocketEvents,
) => { close(code: number, reason: string): void };

export function reconnectingSource(origin: string, open: OpenLiveSocket): LiveSource {
	const wsOrigin = origin.replace(/^http/, "ws");
	/** The wake of every subscription that is running. */
	const wakers = new Set<() => void>();
	return {
		subscribe(sku, onAvailability, onState, onProduct) {
			let socket: { close(code: number, reason: string): void } | null = null;
			/** Which connect the current socket came from: a late close of an older one is ignored. */
			let generation = 0;
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
				const mine = ++generation;
				socket = open(`${wsOrigin}/api/products/${encodeURIComponent(sku)}/live${query}`, {
					open() {
						attempt = 0;
						woken = false;
						onState({ kind: "open" });
					},
					message(data) {
						const availability = parseAvailabilityMessage(data);
						if (availability !== null) onAvailability(availability);
						const product = onProduct === undefined ? null : parseProductMessage(data);
						if (product !== null) onProduct?.(product);
					},
					close() {
						if (stopped || mine !== generation) return;
						attempt += 1;
						const retryInMs = backoffMs(attempt);
						onState({ kind: "waiting", retryInMs, retryAtMs: Date.now() + retryInMs, attempt });
						timer = setTimeout(connect, retryInMs);
					},
				});
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
