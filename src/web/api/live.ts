// Live availability (api.md: GET /api/products/:sku/live, a WebSocket that
// sends {"type":"availability", ...} on connect and after every change).
// Reconnects with capped exponential backoff and jitter, so a restart of the
// server or a flaky phone connection does not leave a stale number on screen.

import type { Availability } from "../../shared/types.ts";

export type LiveState =
	| { kind: "connecting" }
	| { kind: "open" }
	| { kind: "waiting"; retryInMs: number; attempt: number };

export interface LiveSource {
	subscribe(
		sku: string,
		onAvailability: (a: Availability) => void,
		onState: (s: LiveState) => void,
	): () => void;
}

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** Delay before reconnect attempt n (1-based): doubling, capped, with ±20 % jitter so clients spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
	const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.8 + 0.4 * random()));
}

export function parseAvailabilityMessage(data: unknown): Availability | null {
	if (typeof data !== "string") return null;
	try {
		const msg = JSON.parse(data) as Record<string, unknown>;
		if (msg.type !== "availability" || typeof msg.available !== "number") return null;
		const { type: _type, ...rest } = msg;
		return rest as unknown as Availability;
	} catch {
		return null;
	}
}

export function webSocketSource(origin: string = location.origin): LiveSource {
	const wsOrigin = origin.replace(/^http/, "ws");
	return {
		subscribe(sku, onAvailability, onState) {
			let socket: WebSocket | null = null;
			let timer: ReturnType<typeof setTimeout> | null = null;
			let attempt = 0;
			let stopped = false;

			const connect = () => {
				if (stopped) return;
				onState({ kind: "connecting" });
				const ws = new WebSocket(`${wsOrigin}/api/products/${encodeURIComponent(sku)}/live`);
				socket = ws;
				ws.onopen = () => {
					attempt = 0;
					onState({ kind: "open" });
				};
				ws.onmessage = (event) => {
					const availability = parseAvailabilityMessage(event.data);
					if (availability !== null) onAvailability(availability);
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
