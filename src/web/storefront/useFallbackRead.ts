// While the live feed is down or refused, the product (with its availability) is read over
// HTTP every FALLBACK_READ_MS, so a page without a feed still learns of an operator's PATCH
// (a new limit, a waiting room, a new name or price) and sees the stock move, instead of
// only through a contradiction, a refusal or the feed's return. The server refuses a feed
// past MAX_LIVE_SOCKETS (5,000 by default, shared/config.ts) viewers with "poll availability instead" and a Retry-After of 5 s,
// and an address past MAX_LIVE_SOCKETS_PER_ADDRESS (50) of them with 429 and the same Retry-After
// (src/worker/routes/live.ts): a browser's WebSocket never gets to read either.
//
// Bounded: one read at a time, every 10 s (±20 %) — the pace the feed's own reconnect
// attempts settle at, so a refused tab at most doubles the calls it already makes — never
// sooner than a Retry-After, and with the feed's backoff while reads fail. It stops the
// moment the feed is open. docs/decisions/068-storefront-leftovers.md
// A read that succeeds lets the feed's socket try again at once rather than at the end of its
// backoff, once per outage (fallback-reads.ts, docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md).
// A socket closed before it opened asks for a read at once (`readNow`), and what a read brings is
// given on as the feed's signals would be (useProductFeed.ts,
// docs/decisions/109-a-page-without-its-live-feed.md).

import { useEffect, useRef, useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { type FallbackLoop, startFallbackReads } from "./fallback-reads.ts";

/** The reads in the feed's place as the page shows them. */
export interface FallbackReadState {
	/** When the last read succeeded (this device's clock); null when none has or the last failed. */
	readAtMs: number | null;
	/**
	 * The last read failed with an HTTP answer (the read limiter's 429, a 503): the store is busy,
	 * not out of reach.
	 */
	refused: boolean;
}

export interface FallbackReadEvents {
	/** A product read. */
	product(p: Product): void;
	/** The server answered a read: the feed's socket may try again at once (live-source.ts wake). */
	wake(): void;
	/** A read succeeded after one failed: the server answers again. */
	back(): void;
}

/**
 * Reads the product while `active` (the feed is not open and the product has loaded);
 * returns when the last read succeeded (this device's clock), null when none has since the
 * feed was lost or the last one failed, and whether that failure was the store's answer (it is
 * busy) rather than no answer (the page cannot reach the store). Each change of
 * `readNow` (above 0) asks for a read at once: the feed's socket was refused or could not
 * connect, so whether the store answers is learnt now rather than an interval later.
 */
export function useFallbackRead(
	api: ApiClient,
	sku: string,
	active: boolean,
	readNow: number,
	events: FallbackReadEvents,
): FallbackReadState {
	const [readAtMs, setReadAtMs] = useState<number | null>(null);
	const [refused, setRefused] = useState(false);
	const on = useRef(events);
	on.current = events;
	const loop = useRef<FallbackLoop | null>(null);

	useEffect(() => {
		setReadAtMs(null);
		setRefused(false);
		if (!active) return;
		const started = startFallbackReads({
			read: () => api.product(sku),
			product: (p) => on.current.product(p),
			readAt: (ms) => {
				setReadAtMs(ms);
				if (ms !== null) setRefused(false);
			},
			failed: setRefused,
			wake: () => on.current.wake(),
			back: () => on.current.back(),
		});
		loop.current = started;
		return () => {
			started.stop();
			if (loop.current === started) loop.current = null;
		};
	}, [api, sku, active]);

	// Declared after the loop's effect, so a refusal that starts the loop reads at once in it.
	useEffect(() => {
		if (readNow > 0) loop.current?.readNow();
	}, [readNow]);

	return { readAtMs, refused };
}
