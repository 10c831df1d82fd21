// The loop of reads that stands in for a lost live feed (useFallbackRead.ts), without Preact or
// the DOM so that it is unit-tested in Node with fake timers
// (test/unit/storefront-fallback-read.test.ts): one read at a time, the next due after
// `nextReadInMs` (the steady pace while reads succeed, the feed's backoff while they fail,
// never sooner than a Retry-After). docs/decisions/068-storefront-leftovers.md
// A read that succeeds shows the server answering again: `wake` lets a feed socket waiting out
// its reconnect backoff try at once (src/web/api/live-source.ts: at most once per outage, so a
// server that answers HTTP but refuses the socket is not asked at every read).
// docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md
// `readNow` reads at once when the feed's socket was refused or could not connect: the page
// then learns within one answer whether the store is reachable, instead of showing its numbers
// as stale for up to an interval (docs/decisions/109-a-page-without-its-live-feed.md).
// A read that fails says whether the store answered it (a 429 from the read limiter, a 503): a
// store that refuses is busy, not out of reach (docs/decisions/111-the-storefronts-leftovers.md).

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
	/**
	 * A read failed: `answered` when the store answered it with an HTTP status (a refusal: the
	 * read limiter's 429, a 503), false when no answer came at all.
	 */
	failed?(answered: boolean): void;
	/** The server answered: the feed's socket may try again now instead of at its backoff's end. */
	wake?(): void;
	/** A read succeeded after one failed: the server answers again (changes may have been missed). */
	back?(): void;
	random?: () => number;
}

export interface FallbackLoop {
	/** Stops the reads (a read in flight is then ignored). */
	stop(): void;
	/** Reads now rather than at the next due time; nothing while a read is in flight or a Retry-After runs. */
	readNow(): void;
}

/** Starts the reads, the first one interval from now (or at `readNow`). */
export function startFallbackReads(on: FallbackReads): FallbackLoop {
	let stopped = false;
	let failures = 0;
	let reading = false;
	/** A failed read's Retry-After: no read before it, at once or not (this device's clock). */
	let notBeforeMs = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const schedule = (retryAfterSeconds: number | null) => {
		timer = setTimeout(() => void read(), nextReadInMs(failures, retryAfterSeconds, on.random));
	};
	const read = async () => {
		timer = undefined;
		reading = true;
		const r = await on.read();
		reading = false;
		if (stopped) return;
		if (r.ok) {
			const back = failures > 0;
			failures = 0;
			on.product(r.data);
			on.readAt(Date.now());
			if (back) on.back?.();
			on.wake?.();
			return schedule(null);
		}
		failures += 1;
		on.readAt(null);
		on.failed?.(r.status > 0);
		notBeforeMs = Date.now() + (r.retryAfterSeconds ?? 0) * 1000;
		schedule(r.retryAfterSeconds);
	};
	schedule(null);
	return {
		stop() {
			stopped = true;
			if (timer !== undefined) clearTimeout(timer);
		},
		readNow() {
			if (stopped || reading || Date.now() < notBeforeMs) return;
			if (timer !== undefined) clearTimeout(timer);
			void read();
		},
	};
}
