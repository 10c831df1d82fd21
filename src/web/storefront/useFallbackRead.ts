// While the live feed is down or refused, the product (with its availability) is read over
// HTTP every FALLBACK_READ_MS, so a page without a feed still learns of an operator's PATCH
// (a new limit, a waiting room, a new name or price) and sees the stock move, instead of
// only through a contradiction, a refusal or the feed's return. The server refuses a feed
// past MAX_LIVE_SOCKETS viewers with "poll availability instead" and a Retry-After of 5 s
// (src/worker/routes/products.ts), which a browser's WebSocket never gets to read.
//
// Bounded: one read at a time, every 10 s (±20 %) — the pace the feed's own reconnect
// attempts settle at, so a refused tab at most doubles the calls it already makes — never
// sooner than a Retry-After, and with the feed's backoff while reads fail. It stops the
// moment the feed is open. docs/decisions/068-storefront-leftovers.md

import { useEffect, useRef, useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { nextReadInMs } from "../api/live-protocol.ts";

/**
 * Reads the product while `active` (the feed is not open and the product has loaded);
 * returns when the last read succeeded (this device's clock), null when none has since the
 * feed was lost or the last one failed (the page cannot reach the store).
 */
export function useFallbackRead(
	api: ApiClient,
	sku: string,
	active: boolean,
	onProduct: (p: Product) => void,
): number | null {
	const [readAtMs, setReadAtMs] = useState<number | null>(null);
	const take = useRef(onProduct);
	take.current = onProduct;

	useEffect(() => {
		setReadAtMs(null);
		if (!active) return;
		let stopped = false;
		let failures = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const schedule = (retryAfterSeconds: number | null) => {
			timer = setTimeout(() => void read(), nextReadInMs(failures, retryAfterSeconds));
		};
		const read = async () => {
			const r = await api.product(sku);
			if (stopped) return;
			if (r.ok) {
				failures = 0;
				take.current(r.data);
				setReadAtMs(Date.now());
				return schedule(null);
			}
			failures += 1;
			setReadAtMs(null);
			schedule(r.retryAfterSeconds);
		};
		schedule(null);
		return () => {
			stopped = true;
			if (timer !== undefined) clearTimeout(timer);
		};
	}, [api, sku, active]);

	return readAtMs;
}
