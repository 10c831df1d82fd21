// The product and its live availability: loaded once (tried again by itself while
// the read fails: src/web/api/read-until-ok.ts), then kept fresh by the live feed. The feed opens
// only for a product that exists, so an unknown SKU never retries a socket; when
// the feed drops, the moment is kept so the page can mark the stock as stale.
// The operator's changes reach the page: the feed (opened `?with=product`) sends
// the product after each PATCH, and the product is read again when a message may
// have been missed (the feed reconnected, its status contradicts the product's
// start: sale.ts productOutdated) or the page asks (`reread`, after a refusal it did
// not foresee). docs/decisions/060-storefront-follows-the-operator.md
// While the feed is down or refused, the product is read over HTTP instead
// (useFallbackRead.ts, docs/decisions/068-storefront-leftovers.md): at once when a socket is
// refused or cannot connect, and such a read gives the signals the feed would have given (a
// product an operator changed counts as a product message, a read that succeeds after failed
// ones as the server back), docs/decisions/109-a-page-without-its-live-feed.md.
// A feed the server closed for silence while the page was out of view is paused, not lost for
// reads: it reconnects when the page is in view again (docs/decisions/139-the-live-feeds-idle-places.md).

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Availability, Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import type { LiveSource, LiveState } from "../api/live.ts";
import { describeError } from "../api/outcomes.ts";
import { readUntilOk } from "../api/read-until-ok.ts";
import type { FeedView } from "./ProductCard.tsx";
import { type ProductSource, ShownProduct } from "./product-news.ts";
import { clockOffsetMs, productOutdated } from "./sale.ts";
import { useFallbackRead } from "./useFallbackRead.ts";

/**
 * A re-read after the feed showed the product outdated waits a random part of this, so
 * that every tab open on a SKU does not ask in the same instant after an operator's PATCH
 * (the page already follows the server's status meanwhile: sale.ts saleView).
 */
export const PRODUCT_REREAD_SPREAD_MS = 3_000;

export interface ProductFeed {
	product: Product | null;
	/** The SKU does not exist: nothing is loading or retrying any more. */
	missing: boolean;
	/** Why the product could not be loaded yet (it is retried). */
	loadProblem: string | null;
	availability: Availability | null;
	/** Server clock minus this device's clock, from the latest availability. */
	offsetMs: number;
	feed: FeedView;
	/** Takes an availability read elsewhere (e.g. after verifying), if it is newer. */
	accept(a: Availability): void;
	/** Reads the product again (the operator may have changed it); one read at a time. */
	reread(): void;
	/**
	 * How many times the feed came back after a drop (or, without a feed, a read in its place
	 * succeeded after failed ones): the server is reachable again, so what backed off while it
	 * was not (the queue ticket's reads) can ask again now.
	 */
	reconnects: number;
	/**
	 * How many product messages the feed brought (or, without a feed, products read in its place
	 * that an operator changed: product-news.ts): the operator changed the SKU (a PATCH or a
	 * reset), so a hold on the page may be gone (useHoldCheck.ts).
	 */
	productMessages: number;
}

export function useProductFeed(sku: string, api: ApiClient, source: LiveSource): ProductFeed {
	const [product, setProduct] = useState<Product | null>(null);
	const [missing, setMissing] = useState(false);
	const [loadProblem, setLoadProblem] = useState<string | null>(null);
	const [availability, setAvailability] = useState<Availability | null>(null);
	const [offsetMs, setOffsetMs] = useState(0);
	const [state, setState] = useState<LiveState>({ kind: "connecting" });
	const [lostAtMs, setLostAtMs] = useState<number | null>(null);
	const latestAsOfMs = useRef(0);
	const freshAtMs = useRef(0);
	const wasOpen = useRef(false);
	const [reconnects, setReconnects] = useState(0);
	const [productMessages, setProductMessages] = useState(0);
	/** The current connect's socket opened: a close without it is a refusal or no connection. */
	const socketOpened = useRef(false);
	/** This outage (until a socket opens) already asked for a read at once. */
	const readAskedThisOutage = useRef(false);
	const [readNow, setReadNow] = useState(0);

	const accept = useCallback((a: Availability) => {
		const asOfMs = Date.parse(a.asOf);
		if (asOfMs < latestAsOfMs.current) return; // an older answer overtaken by a newer one
		latestAsOfMs.current = asOfMs;
		freshAtMs.current = Date.now();
		setAvailability(a);
		setOffsetMs(clockOffsetMs(a.asOf, freshAtMs.current));
	}, []);

	// The newest product wins: a read that was overtaken by the feed's product message (or
	// the other way round) is dropped; product and availability are read together. While the
	// feed is lost, a read that shows an operator's change is the product message the feed would
	// have sent, counted once whichever read brings it (product-news.ts).
	const shownProduct = useRef(new ShownProduct());
	const feedLost = useRef(false);
	feedLost.current = lostAtMs !== null;
	const takeProduct = useCallback(
		(p: Product, source: ProductSource) => {
			const { taken, news } = shownProduct.current.take(p, source, feedLost.current);
			if (taken) {
				setProduct(p);
				accept(p.availability);
			}
			if (news) setProductMessages((n) => n + 1);
		},
		[accept],
	);

	const onProductMessage = useCallback((p: Product) => takeProduct(p, "feed"), [takeProduct]);

	const rereading = useRef(false);
	const reread = useCallback(() => {
		if (rereading.current) return;
		rereading.current = true;
		void api.product(sku).then((r) => {
			rereading.current = false;
			if (r.ok) takeProduct(r.data, "reread"); // else the live feed goes on; the next contradiction asks again
		});
	}, [api, sku, takeProduct]);

	// One re-read scheduled at a time. The timer is not restarted by the feed's next
	// message (up to ~10 a second in a busy drop), or it might never fire.
	const rereadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
	const rereadSoon = useCallback(() => {
		if (rereadTimer.current !== null) return;
		rereadTimer.current = setTimeout(() => {
			rereadTimer.current = null;
			reread();
		}, Math.random() * PRODUCT_REREAD_SPREAD_MS);
	}, [reread]);
	useEffect(
		() => () => {
			if (rereadTimer.current !== null) clearTimeout(rereadTimer.current);
		},
		[],
	);

	// At most one re-read per availability that contradicts the product: a contradiction
	// still there after the read (it should not be: the server reads product and
	// availability together) waits for a newer availability rather than asking in a loop.
	const rereadForAsOf = useRef<string | null>(null);
	useEffect(() => {
		if (product === null || availability === null) return;
		if (!productOutdated(product, availability)) return;
		if (rereadForAsOf.current === availability.asOf) return;
		rereadForAsOf.current = availability.asOf;
		rereadSoon();
	}, [product, availability, rereadSoon]);

	const onState = useCallback(
		(s: LiveState) => {
			setState(s);
			if (s.kind === "connecting") socketOpened.current = false;
			// A socket closed before it opened: refused (past MAX_LIVE_SOCKETS viewers the server
			// answers the upgrade 503, past an address's MAX_LIVE_SOCKETS_PER_ADDRESS 429, which a
			// browser's WebSocket cannot read) or no connection.
			// Once an outage: read at once, so the page knows now whether the store answers.
			if (s.kind === "waiting" && !socketOpened.current && !readAskedThisOutage.current) {
				readAskedThisOutage.current = true;
				setReadNow((n) => n + 1);
			}
			if (s.kind === "open") {
				socketOpened.current = true;
				readAskedThisOutage.current = false;
				// Back after a drop: a product message may have been missed meanwhile.
				if (wasOpen.current) {
					rereadSoon();
					setReconnects((n) => n + 1);
				}
				wasOpen.current = true;
				setLostAtMs(null);
			} else if (wasOpen.current || s.kind === "waiting") {
				// Dropped: fresh until now. Never came up: fresh as of the last answer read.
				const since = wasOpen.current ? Date.now() : freshAtMs.current || Date.now();
				setLostAtMs((cur) => cur ?? since);
			}
		},
		[rereadSoon],
	);

	useEffect(() => {
		let unsubscribe: (() => void) | null = null;
		const stop = readUntilOk(() => api.product(sku), {
			ok: (r) => {
				takeProduct(r.data, "load");
				setLoadProblem(null);
				unsubscribe = source.subscribe(sku, accept, onState, onProductMessage);
			},
			failed: (r) => {
				if (r.code === "unknown_sku") {
					setMissing(true);
					return false;
				}
				setLoadProblem(describeError(r));
				return true;
			},
		});
		return () => {
			stop();
			unsubscribe?.();
		};
	}, [sku, api, source, accept, onState, takeProduct, onProductMessage]);

	// Only once the product has loaded (the feed is subscribed then) and while the feed is lost.
	// What the feed would have said comes from the reads too: an operator's change (new
	// fields, a reset's new seed) counts as a product message, a read after failed ones as the
	// server back (useQueueTicket.ts and useHoldCheck.ts read again on either).
	// Not while the feed is paused (closed for silence out of view: it reconnects when in view),
	// or a tab left in the background would read every 10 s for hours instead of holding a socket.
	const reading = product !== null && lostAtMs !== null && state.kind !== "paused";
	const fallback = useFallbackRead(api, sku, reading, readNow, {
		product: (p) => takeProduct(p, "fallback"),
		wake: () => source.wake?.(),
		back: () => setReconnects((n) => n + 1),
	});

	return {
		product,
		missing,
		loadProblem,
		availability,
		offsetMs,
		feed: { state, lostAtMs, readAtMs: fallback.readAtMs, refused: fallback.refused },
		accept,
		reread,
		reconnects,
		productMessages,
	};
}
