// The product, its sale status and its live stock. The sale status comes from the
// availability and the clock (sale.ts); the connection to the live feed is a
// separate line, so "Live" never sits beside "Sold out" as if it were a status.

import type { Availability, DropStatus, Product } from "../../shared/types.ts";
import type { LiveState } from "../api/live.ts";
import { FALLBACK_READ_MS } from "../api/live-protocol.ts";
import { StockBar } from "../components/StockBar.tsx";
import { clock, money, time } from "../lib/format.ts";
import type { SaleView } from "./sale.ts";

const STATUS_LABEL: Record<DropStatus, string> = {
	scheduled: "Starts soon",
	live: "On sale",
	sold_out: "Sold out",
	closed: "Closed",
};

/** The live feed as the buyer should read it: fresh, connecting, or lost since a moment. */
export interface FeedView {
	state: LiveState;
	/** When live updates stopped (the connection dropped, or never came up); null while fine. */
	lostAtMs: number | null;
	/**
	 * While the feed is lost: when the product was last read over HTTP instead
	 * (useFallbackRead.ts); null when no read has succeeded since, or the last one failed.
	 */
	readAtMs: number | null;
	/**
	 * The last read over HTTP got the store's refusal (the read limiter's 429, a 503), not no
	 * answer: the store is busy, not out of reach.
	 */
	refused: boolean;
}

/**
 * The feed is lost and no read over HTTP stands in for it, or it is paused (closed for silence
 * while the tab was in the background: no reads meanwhile): the numbers may be stale.
 */
export function isStale(feed: FeedView): boolean {
	return feed.state.kind === "paused" || (feed.lostAtMs !== null && feed.readAtMs === null);
}

/**
 * Why the numbers may be stale: paused while the tab is in the background (`paused`: it neither
 * reconnects nor reads until the tab is back in view), no answer at all (`unreachable`), or the
 * store answered the read in the feed's place with a refusal (`busy`); null while fresh.
 */
export type FeedTrouble = "paused" | "unreachable" | "busy";

export function feedTrouble(feed: FeedView): FeedTrouble | null {
	if (!isStale(feed)) return null;
	if (feed.state.kind === "paused") return "paused";
	return feed.refused ? "busy" : "unreachable";
}

export function FeedLine({ feed }: { feed: FeedView }) {
	const trouble = feedTrouble(feed);
	const stale = trouble !== null;
	const since = stale ? time(new Date(feed.lostAtMs ?? Date.now()).toISOString()) : "";
	const text =
		trouble === "paused"
			? `Stock may be stale: live updates paused at ${since} while this tab is in the background; they resume when you come back to it.`
			: trouble === "busy"
				? `Stock may be stale: the store is busy right now, so no updates since ${since}. This page asks again shortly.`
				: trouble === "unreachable"
					? `Stock may be stale: no live updates since ${since}. Reconnecting…`
					: feed.readAtMs !== null
						? `No live updates: the stock was read at ${time(new Date(feed.readAtMs).toISOString())} and is read again every ${FALLBACK_READ_MS / 1000} s.`
						: feed.state.kind === "open"
							? "Live: the stock updates as it changes."
							: "Connecting to live stock updates…";
	return (
		<p
			role="status"
			aria-label="Live stock updates"
			class={`feed ${stale ? "feed-lost" : feed.state.kind === "open" ? "feed-ok" : "feed-wait"}`}
		>
			{text}
		</p>
	);
}

export function ProductCard({
	product,
	availability,
	sale,
	feed,
}: {
	product: Product;
	availability: Availability;
	sale: SaleView;
	feed: FeedView;
}) {
	return (
		<section class="card" aria-labelledby="product-name">
			<p class="eyebrow">
				{product.sku} ·{" "}
				<span class={`badge status-${sale.status}`}>{STATUS_LABEL[sale.status]}</span>
			</p>
			<h1 id="product-name">{product.name}</h1>
			<p class="price">{money(product.priceCents, product.currency)}</p>
			{sale.startsInMs !== null && (
				<p class="countdown" role="timer" aria-label="Time until the drop starts">
					Drop starts in <strong>{clock(Math.ceil(sale.startsInMs / 1000))}</strong>
				</p>
			)}
			<div class={isStale(feed) ? "stale" : undefined}>
				<StockBar availability={availability} />
			</div>
			<FeedLine feed={feed} />
			<p class="muted small">
				Up to {product.perUserLimit} per buyer · a hold lasts {clock(product.holdSeconds)}
			</p>
		</section>
	);
}

/** An unknown SKU: said once, and nothing keeps retrying (useProductFeed.ts). */
export function ProductMissing({ sku }: { sku: string }) {
	return (
		<section class="card" aria-labelledby="missing-title">
			<h1 id="missing-title">Product not found</h1>
			<p role="alert" class="notice notice-error">
				The product {sku} does not exist, so this page stopped looking for it.
			</p>
			<p>
				<a href="/">See the current drop</a>
			</p>
		</section>
	);
}
