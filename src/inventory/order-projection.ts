// The orders table in D1 (migrations/0003_orders.sql) as a projection of the audit
// trail: the outbox (outbox.ts) calls this for every event it copies, and the
// statements join the same D1 batch as the events, so an order never reaches D1
// without the events it is derived from.

import type { Projector } from "./outbox.ts";

// An order row is derived from order.created plus the payment.succeeded event the
// saga writes just before it in the same transaction (hence in an earlier or the
// same D1 batch): the domain's order.created carries no amount. OR IGNORE: a
// re-sent batch inserts nothing twice, and a missing payment event skips the row
// instead of blocking the outbox forever.
const INSERT_ORDER = `INSERT OR IGNORE INTO orders
	(order_id, sku, reservation_id, session_id, quantity, amount_cents, currency, payment_id, status, paid_at)
	SELECT ?, ?, ?, ?, ?, json_extract(detail, '$.amountCents'), json_extract(detail, '$.currency'),
		json_extract(detail, '$.paymentId'), 'PAID', ?
	FROM events WHERE reservation_id = ? AND type = 'payment.succeeded'
	ORDER BY seq DESC LIMIT 1`;
const REFUND_ORDER = "UPDATE orders SET status = 'REFUNDED' WHERE reservation_id = ?";

/** The outbox's `project` hook: orders reach D1 through the same batches as the events. */
export function orderProjection(db: D1Database): Projector {
	return (event) => {
		const { reservationId, orderId } = event;
		if (event.type === "order.created" && reservationId !== undefined && orderId !== undefined) {
			return [
				db
					.prepare(INSERT_ORDER)
					.bind(
						orderId,
						event.sku,
						reservationId,
						event.sessionId ?? "",
						event.quantity ?? 0,
						event.at,
						reservationId,
					),
			];
		}
		if (event.type === "payment.refunded" && reservationId !== undefined) {
			return [db.prepare(REFUND_ORDER).bind(reservationId)];
		}
		return [];
	};
}
