// The product and its live availability: loaded once (retried with backoff while
// the server cannot be reached), then kept fresh by the live feed. The feed opens
// only for a product that exists, so an unknown SKU never retries a socket; when
// the feed drops, the moment is kept so the page can mark the stock as stale.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Availability, Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import type { LiveSource, LiveState } from "../api/live.ts";
import { backoffMs } from "../api/live-protocol.ts";
import { describeError } from "../api/outcomes.ts";
import type { FeedView } from "./ProductCard.tsx";
import { clockOffsetMs } from "./sale.ts";

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

	const accept = useCallback((a: Availability) => {
		const asOfMs = Date.parse(a.asOf);
		if (asOfMs < latestAsOfMs.current) return; // an older answer overtaken by a newer one
		latestAsOfMs.current = asOfMs;
		freshAtMs.current = Date.now();
		setAvailability(a);
		setOffsetMs(clockOffsetMs(a.asOf, freshAtMs.current));
	}, []);

	const onState = useCallback((s: LiveState) => {
		setState(s);
		if (s.kind === "open") {
			wasOpen.current = true;
			setLostAtMs(null);
		} else if (wasOpen.current || s.kind === "waiting") {
			// Dropped: fresh until now. Never came up: fresh as of the last answer read.
			const since = wasOpen.current ? Date.now() : freshAtMs.current || Date.now();
			setLostAtMs((cur) => cur ?? since);
		}
	}, []);

	useEffect(() => {
		let stopped = false;
		let attempt = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let unsubscribe: (() => void) | null = null;
		const load = async () => {
			const r = await api.product(sku);
			if (stopped) return;
			if (r.ok) {
				setProduct(r.data);
				setLoadProblem(null);
				accept(r.data.availability);
				unsubscribe = source.subscribe(sku, accept, onState);
			} else if (r.code === "unknown_sku") {
				setMissing(true);
			} else {
				attempt += 1;
				setLoadProblem(describeError(r));
				timer = setTimeout(() => void load(), backoffMs(attempt));
			}
		};
		void load();
		return () => {
			stopped = true;
			if (timer !== undefined) clearTimeout(timer);
			unsubscribe?.();
		};
	}, [sku, api, source, accept, onState]);

	return {
		product,
		missing,
		loadProblem,
		availability,
		offsetMs,
		feed: { state, lostAtMs },
		accept,
	};
}
