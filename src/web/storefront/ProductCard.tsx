// The product and its live stock.

import type { Availability, Product } from "../../shared/types.ts";
import type { LiveState } from "../api/live.ts";
import { StockBar } from "../components/StockBar.tsx";
import { clock, money } from "../lib/format.ts";

const STATUS_LABEL: Record<Availability["status"], string> = {
	scheduled: "Starts soon",
	live: "On sale",
	sold_out: "Sold out",
	closed: "Closed",
};

export function LiveBadge({ state }: { state: LiveState }) {
	const text =
		state.kind === "open"
			? "Live"
			: state.kind === "connecting"
				? "Connecting…"
				: `Reconnecting in ${Math.ceil(state.retryInMs / 1000)} s`;
	return <span class={`badge ${state.kind === "open" ? "badge-ok" : "badge-warn"}`}>{text}</span>;
}

export function ProductCard({
	product,
	availability,
	live,
	nowMs,
}: {
	product: Product;
	availability: Availability;
	live: LiveState;
	nowMs: number;
}) {
	const startsAtMs = product.startsAt ? Date.parse(product.startsAt) : null;
	const startsIn = startsAtMs !== null && startsAtMs > nowMs ? (startsAtMs - nowMs) / 1000 : null;
	return (
		<section class="card" aria-labelledby="product-name">
			<p class="eyebrow">
				{product.sku} ·{" "}
				<span class={`badge status-${availability.status}`}>
					{STATUS_LABEL[availability.status]}
				</span>{" "}
				<LiveBadge state={live} />
			</p>
			<h1 id="product-name">{product.name}</h1>
			<p class="price">{money(product.priceCents, product.currency)}</p>
			{startsIn !== null && (
				<p class="countdown" role="timer" aria-label="Time until the drop starts">
					Drop starts in <strong>{clock(startsIn)}</strong>
				</p>
			)}
			<StockBar availability={availability} />
			<p class="muted small">
				Up to {product.perUserLimit} per buyer · a hold lasts {clock(product.holdSeconds)}
			</p>
		</section>
	);
}
