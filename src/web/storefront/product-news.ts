// Whether a product read over HTTP in place of the live feed (useFallbackRead.ts) carries an
// operator's change: what the feed would have said with a product message. The feed sends one
// after a PATCH and after a reset; the page then reads its queue ticket and its hold again
// (useQueueTicket.ts, useHoldCheck.ts). A read brings the product without saying why, so the
// page compares it with the one it shows: a field only the operator moves differs, or the
// waiting room's seed commitment does (a reset commits a new seed, docs/waiting-room.md).
// The stock and the room's counts move with every sale and join, so they are no news; nor is the
// seed, which the room publishes by itself at the start.
// Without Preact, unit-tested in Node (test/unit/storefront-product-news.test.ts).
// docs/decisions/109-a-page-without-its-live-feed.md

import type { Product } from "../../shared/types.ts";

/** The fields an operator's PATCH or reset changes, as one comparable value. */
function operatorFields(p: Product): string {
	const room = p.waitingRoom ?? null;
	return JSON.stringify([
		p.name,
		p.priceCents,
		p.currency,
		p.totalStock,
		p.holdSeconds,
		p.perUserLimit,
		p.startsAt,
		p.shards ?? 1,
		room === null ? null : [room.enabled, room.admitSeconds, room.overbook, room.seedCommitment],
	]);
}

/** `next` differs from `shown` by what only an operator changes (a PATCH, a room's reset). */
export function operatorChanged(shown: Product, next: Product): boolean {
	return operatorFields(shown) !== operatorFields(next);
}

/** Where a product came from: the page's first read, the feed's message, or a read since. */
export type ProductSource = "load" | "feed" | "reread" | "fallback";

/**
 * The product on screen (the newest wins: a read overtaken by the feed's message, or the other
 * way round, is dropped) and whether taking one is news of an operator's change, as the feed's
 * product message is. Any read that shows an operator's change while the feed is lost counts
 * once: a reread after a refusal the page did not foresee, as the read in the feed's place.
 */
export class ShownProduct {
	current: Product | null = null;
	private asOfMs = 0;

	/** `feedLost`: the live feed is not open, so no product message tells of a change. */
	take(p: Product, source: ProductSource, feedLost: boolean): { taken: boolean; news: boolean } {
		const asOfMs = Date.parse(p.availability.asOf);
		const feedNews = source === "feed";
		if (asOfMs < this.asOfMs) return { taken: false, news: feedNews };
		const before = this.current;
		this.asOfMs = asOfMs;
		this.current = p;
		const readNews =
			source !== "load" &&
			source !== "feed" &&
			feedLost &&
			before !== null &&
			operatorChanged(before, p);
		return { taken: true, news: feedNews || readNews };
	}
}
