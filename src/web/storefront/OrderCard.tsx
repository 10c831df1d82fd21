import type { Order } from "../../shared/types.ts";
import { money, time } from "../lib/format.ts";

export function OrderCard({ order }: { order: Order }) {
	return (
		<section class="card order" aria-labelledby="order-title">
			<h2 id="order-title">Order confirmed</h2>
			<dl class="facts">
				<div>
					<dt>Order</dt>
					<dd>{order.orderId}</dd>
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
					<dd>{order.status}</dd>
				</div>
			</dl>
		</section>
	);
}
