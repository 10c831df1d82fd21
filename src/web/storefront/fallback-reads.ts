// The loop of reads that stands in for a lost live feed (useFallbackRead.ts), without Preact or
// the DOM so that it is unit-tested in Node with fake timers
// (test/unit/storefront-fallback-read.test.ts): one read at a time, the next due after
// `nextReadInMs` (the steady pace while reads succeed, the feed's backoff while they fail,
// never sooner than a Retry-After). docs/decisions/068-storefront-leftovers.md
// A read that succeeds shows the server answering again: `wake` lets a feed socket waiting out
// its reconnect backoff try at once (src/web/api/live-source.ts: at most once per outage, so a
// server that answers HTTP but refuses the socket is not asked at every read).
// docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md

import type { Product } from "../../shared/types.ts";
import type { ApiResult } from "../api/client.ts";
import { nextReadInMs } from "../api/live-protocol.ts";

export interface FallbackReads {
	/** One read of the product (`GET /api/products/:sku`). */
	read(): Promise<ApiResult<Product>>;
	/** A product read. */
	product(p: Product): void;
	/** When the last read succeeded (this device's clock); null once one failed. */
	readAt(ms: number | null): void;
	/** The server answered: the feed's socket may try again now instead of at its backoff's end. */
	wake?(): void;
	random?: () => number;
}

/** Starts the reads, the first one interval from now; returns what stops them. */
export function startFallbackReads(on: FallbackReads): () => void {
	let stopped = false;
	let failures = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const schedule = (retryAfterSeconds: number | null) => {
		timer = setTimeout(() => void read(), nextReadInMs(failures, retryAfterSeconds, on.random));
	};
	const read = async () => {
		const r = await on.read();
		if (stopped) return;
		if (r.ok) {
			failures = 0;
			on.product(r.data);
			on.readAt(Date.now());
			on.wake?.();
			return schedule(null);
		}
		failures += 1;
		on.readAt(null);
		schedule(r.retryAfterSeconds);
	};
	schedule(null);
	return () => {
		stopped = true;
		if (timer !== undefined) clearTimeout(timer);
	};
}
