// The live feed's protocol, without the DOM: the message format of
// GET /api/products/:sku/live, the reconnect schedule and the shape of a source of
// live availability (the WebSocket in live.ts, the mock's in-browser one) — unit-tested in Node.

import type { Availability, Product } from "../../shared/types.ts";

export type LiveState =
	| { kind: "connecting" }
	| { kind: "open" }
	/** Closed; the next connect is due at `retryAtMs` (epoch ms), `retryInMs` after it closed. */
	| { kind: "waiting"; retryInMs: number; retryAtMs: number; attempt: number }
	/**
	 * Closed by the server for silence while the page was out of view (no keep-alive is sent
	 * then): reconnects, without a wait, when the page comes back into view
	 * (docs/decisions/139-the-live-feeds-idle-places.md).
	 */
	| { kind: "paused" };

export interface LiveSource {
	subscribe(
		sku: string,
		onAvailability: (a: Availability) => void,
		onState: (s: LiveState) => void,
		/** Given: the feed is asked for the product after each operator change too. */
		onProduct?: (p: Product) => void,
	): () => void;
	/**
	 * The server just answered another request: a subscription waiting out its reconnect
	 * backoff connects now instead. At most once per outage (until its socket opens again),
	 * so a server that answers HTTP but not WebSockets is not asked every second.
	 * A source that never waits (the in-browser mock) need not have it.
	 */
	wake?(): void;
}

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** Delay before reconnect attempt n (1-based): doubling, capped, with ±20 % jitter so clients spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
	const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * While the feed is lost, the storefront reads the product this often instead
 * (src/web/storefront/useFallbackRead.ts): the pace its reconnect attempts settle at.
 */
export const FALLBACK_READ_MS = BACKOFF_MAX_MS;

/** When the next of those reads is due: the steady pace while reads succeed, the feed's backoff while they fail. */
export function nextReadInMs(
	failures: number,
	retryAfterSeconds: number | null,
	random: () => number = Math.random,
): number {
	const paceMs =
		failures === 0
			? Math.round(FALLBACK_READ_MS * (0.8 + 0.4 * random()))
			: backoffMs(failures, random);
	return Math.max(paceMs, (retryAfterSeconds ?? 0) * 1000);
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

/**
 * `{"type":"product", ...Product}`: sent only to a socket opened with `?with=product`,
 * after the operator changed the product (src/inventory/live.ts productChanged).
 */
export function parseProductMessage(data: unknown): Product | null {
	if (typeof data !== "string") return null;
	try {
		const msg = JSON.parse(data) as Record<string, unknown>;
		if (
			msg.type !== "product" ||
			typeof msg.sku !== "string" ||
			typeof msg.perUserLimit !== "number" ||
			typeof msg.availability !== "object" ||
			msg.availability === null
		)
			return null;
		const { type: _type, ...rest } = msg;
		return rest as unknown as Product;
	} catch {
		return null;
	}
}
