// This visit's orders, newest first, each under a short order number (sale.ts:
// orderNumber) instead of the raw id a buyer cannot read out to support.

import type { Order } from "../../shared/types.ts";
import { money, time } from "../lib/format.ts";
import { orderNumber } from "./sale.ts";

/** An order as this tab keeps it: the buyer session that paid it, for the purchase limit. */
export interface StoredOrder {
	sessionId: string;
	order: Order;
}

/** The id of an order's heading, so the page can move focus to a new order. */
export const orderHeadingId = (orderId: string) => `order-${orderNumber(orderId)}`;

export function Orders({ orders }: { orders: StoredOrder[] }) {
	if (orders.length === 0) return null;
	return (
		<section class="card orders" aria-labelledby="orders-title">
			<h2 id="orders-title">Your orders</h2>
			<p class="muted small">Paid in this browser tab, newest first.</p>
			<ol class="order-list">
				{orders.map(({ order }) => (
					<li key={order.orderId}>
						<article aria-labelledby={orderHeadingId(order.orderId)}>
							<h3 id={orderHeadingId(order.orderId)} tabIndex={-1}>
								Order {orderNumber(order.orderId)}
							</h3>
							<dl class="facts">
								<div>
									<dt>Product</dt>
									<dd>{order.sku}</dd>
								</div>
								<div>
									<dt>Units</dt>
									<dd>{order.quantity}</dd>
								</div>
								<div>
									<dt>Paid</dt>
									<dd>{money(order.amountCents, order.currency)}</dd>
								</div>
								<div>
									<dt>At</dt>
									<dd>{time(order.paidAt)}</dd>
								</div>
								<div>
									<dt>Status</dt>
									<dd>{order.status === "PAID" ? "Paid" : "Refunded"}</dd>
								</div>
							</dl>
						</article>
					</li>
				))}
			</ol>
		</section>
	);
}
