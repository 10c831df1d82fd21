// D1 tables that are projections of the SKU object's audit trail, written in the
// same D1 batch as the events they derive from (inventory/outbox.ts), so they
// catch up on their own after D1 was down: the object is the truth.
//
// - products (the catalogue, GET /api/products and the edge's SKU check,
//   worker/catalogue.ts): a row from `product.created`, its name from
//   `product.updated`.
// - eventual_stock / eventual_allocations (the demo's eventual mode,
//   worker/eventual.ts): cleared and restored to the stock by `inventory.reset`.
// - orders (migrations/0003_orders.sql, the checkout saga's orders): a row from
//   `order.created` and its `payment.succeeded`, marked refunded by `payment.refunded`.

import type { AuditEvent, EventType } from "../shared/types.ts";
import { type D1Value, d1RowSetInserts, type Projector } from "./outbox.ts";

/** A projection that looks at one event at a time, of the types named only, as a Projector of a batch. */
function eachEvent(
	types: readonly EventType[],
	project: (event: AuditEvent) => D1PreparedStatement[],
): Projector {
	return Object.assign((events: readonly AuditEvent[]) => events.flatMap(project), {
		types: new Set(types),
	});
}

/** The first writer wins: the create route writes the row too (worker/catalogue.ts), with the same values. */
export const INSERT_CATALOGUE_ROW = `INSERT INTO products (sku, name, created_at, listed) VALUES (?, ?, ?, ?)
	ON CONFLICT (sku) DO NOTHING`;

const RENAME = "UPDATE products SET name = ? WHERE sku = ?";

const CLEAR_ALLOCATIONS = "DELETE FROM eventual_allocations WHERE sku = ?";
const RESTORE_EVENTUAL_STOCK = `INSERT INTO eventual_stock (sku, total, remaining, updated_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (sku) DO UPDATE SET total = excluded.total, remaining = excluded.remaining, updated_at = excluded.updated_at`;

export function catalogueProjection(db: D1Database): Projector {
	return eachEvent(["product.created", "product.updated"], (event) => {
		const detail = event.detail ?? {};
		if (event.type === "product.created" && typeof detail.name === "string") {
			const listed = detail.listed === false ? 0 : 1;
			return [db.prepare(INSERT_CATALOGUE_ROW).bind(event.sku, detail.name, event.at, listed)];
		}
		if (event.type === "product.updated" && typeof detail.name === "string") {
			return [db.prepare(RENAME).bind(detail.name, event.sku)];
		}
		return [];
	});
}

export function eventualResetProjection(db: D1Database): Projector {
	return eachEvent(["inventory.reset"], (event) => {
		const total = event.detail?.totalStock;
		if (event.type !== "inventory.reset" || typeof total !== "number") return [];
		// A shard of a split SKU (`<sku>#<i>`) has no eventual-mode stock of its own.
		if (event.sku.includes("#")) return [];
		return [
			db.prepare(CLEAR_ALLOCATIONS).bind(event.sku),
			db.prepare(RESTORE_EVENTUAL_STOCK).bind(event.sku, total, total, event.at),
		];
	});
}

// An order row is derived from order.created plus the payment.succeeded event the
// saga writes just before it in the same transaction (hence in an earlier or the
// same D1 batch): the domain's order.created carries no amount. OR IGNORE: a
// re-sent batch inserts nothing twice, and a missing payment event skips the row
// instead of blocking the outbox forever (amount_cents is NOT NULL).
//
// The payment event is almost always in the same batch: then the row's values are
// taken from it here and the batch's orders go in multi-row inserts (D1 runs each
// statement of a batch on its own; docs/decisions/047-checkout-d1-and-saga-rows.md). One
// whose payment event went in an earlier batch is read back from D1 by INSERT_ORDER, which
// looks only at events before the order's own (the batch's later events are inserted already).
const ORDER_COLUMNS = 10;
const INSERT_ORDERS_HEAD = `INSERT OR IGNORE INTO orders
	(order_id, sku, reservation_id, session_id, quantity, amount_cents, currency, payment_id, status, paid_at)`;
const INSERT_ORDER = `INSERT OR IGNORE INTO orders
	(order_id, sku, reservation_id, session_id, quantity, amount_cents, currency, payment_id, status, paid_at)
	SELECT ?, ?, ?, ?, ?, json_extract(detail, '$.amountCents'), json_extract(detail, '$.currency'),
		json_extract(detail, '$.paymentId'), 'PAID', ?
	FROM events WHERE reservation_id = ? AND type = 'payment.succeeded' AND seq < ?
	ORDER BY seq DESC LIMIT 1`;
const REFUND_ORDER = "UPDATE orders SET status = 'REFUNDED' WHERE reservation_id = ?";

/** A detail field as json_extract would give it for a scalar: the value, or null. */
function scalar(value: unknown): D1Value {
	return typeof value === "string" || typeof value === "number" ? value : null;
}

/**
 * The outbox's `project` hook: orders reach D1 through the same batches as the events. The
 * inserts come first, then the refunds in event order: a refund's order was created before
 * it, in this batch or an earlier one.
 */
export function orderProjection(db: D1Database): Projector {
	const project = (events: readonly AuditEvent[]): D1PreparedStatement[] => {
		/** Each reservation's latest payment.succeeded seen so far in this batch. */
		const payments = new Map<string, AuditEvent>();
		/** The paid orders' rows (ORDER_COLUMNS values each). */
		const rows: D1Value[][] = [];
		const statements: D1PreparedStatement[] = [];
		const refunds: D1PreparedStatement[] = [];
		for (const event of events) {
			const { reservationId, orderId } = event;
			if (reservationId === undefined) continue;
			if (event.type === "payment.succeeded") payments.set(reservationId, event);
			else if (event.type === "payment.refunded") {
				refunds.push(db.prepare(REFUND_ORDER).bind(reservationId));
			} else if (event.type === "order.created" && orderId !== undefined) {
				// The SKU, also for an order of shard i of a split SKU (events of `<sku>#<i>`).
				const sku = event.sku.split("#")[0] ?? event.sku;
				const sessionId = event.sessionId ?? "";
				const quantity = event.quantity ?? 0;
				const paid = payments.get(reservationId);
				if (paid === undefined) {
					statements.push(
						db
							.prepare(INSERT_ORDER)
							.bind(
								orderId,
								sku,
								reservationId,
								sessionId,
								quantity,
								event.at,
								reservationId,
								event.seq,
							),
					);
					continue;
				}
				const detail = paid.detail ?? {};
				rows.push([
					orderId,
					sku,
					reservationId,
					sessionId,
					quantity,
					scalar(detail.amountCents),
					scalar(detail.currency),
					scalar(detail.paymentId),
					"PAID",
					event.at,
				]);
			}
		}
		return [
			...statements,
			...d1RowSetInserts(db, INSERT_ORDERS_HEAD, ORDER_COLUMNS, rows),
			...refunds,
		];
	};
	const types: EventType[] = ["payment.succeeded", "payment.refunded", "order.created"];
	return Object.assign(project, { types: new Set(types) });
}

/**
 * Every projection's statements for a batch, projection by projection (each passes over the
 * types it does not read). The whole reads the union of their types, every type if one does.
 */
export function projectAll(...projectors: Projector[]): Projector {
	const project = (events: readonly AuditEvent[]) =>
		projectors.flatMap((projector) => projector(events));
	if (projectors.some((projector) => projector.types === undefined)) return project;
	const types = new Set(projectors.flatMap((projector) => [...(projector.types ?? [])]));
	return Object.assign(project, { types });
}
