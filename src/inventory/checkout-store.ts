// The checkout saga's durable state in the SKU object's SQLite (schema.ts:
// `checkouts`, `checkout_failures`, `payment_sim`) and the projection of orders
// into D1 through the outbox (migrations/0003_orders.sql).

import type { SimRecord, SyncStore } from "../payment/index.ts";
import type { AuditEvent, Order } from "../shared/types.ts";
import type { CheckoutResult } from "./rpc.ts";

/**
 * Where one reservation's checkout stands.
 * - charging: the hold is CHECKOUT_PENDING; asking the provider (same key on every attempt).
 * - paid: the order exists (terminal).
 * - failed: nothing was captured; the units went back (terminal).
 * - compensating: the units went back but a capture may exist; ask again with the same key.
 * - refunding: a capture exists without an order; refund it.
 * - refunded: captured, then refunded (terminal).
 * - unresolved: compensation ran out of attempts; an operator must reconcile (terminal).
 * A failed payment that keeps the hold is not a step: its row moves to
 * `checkout_failures` (see `retire`) and the next payment starts a new row.
 */
export type CheckoutStep =
	| "charging"
	| "paid"
	| "failed"
	| "compensating"
	| "refunding"
	| "refunded"
	| "unresolved";

export interface CheckoutRow {
	reservationId: string;
	orderId: string;
	sessionId: string;
	/** The client's Idempotency-Key that started this checkout. */
	clientKey: string;
	paymentMethod: string;
	quantity: number;
	/** Fixed when the checkout starts: a retry must send the provider the same parameters. */
	amountCents: number;
	currency: string;
	step: CheckoutStep;
	chargeAttempts: number;
	compensationAttempts: number;
	paymentId: string | null;
	/** The payment timeout: the hold may stay CHECKOUT_PENDING until then, no longer. */
	deadlineMs: number;
	/** When the alarm should look at this saga if nobody is driving it; null once settled. */
	resumeAtMs: number | null;
	/** The answer to the client, once there is one (replayed for the same key). */
	outcome: CheckoutResult | null;
	createdAtMs: number;
	paidAtMs: number | null;
	/** Failed payments of this reservation before this one (read from `checkout_failures`;
	 * fixed while this row exists, since only retiring a row adds one). */
	priorFailures: number;
}

/** A failed payment after which the hold was kept: its outcome, replayed for its client key. */
export interface FailedPayment {
	reservationId: string;
	sessionId: string;
	clientKey: string;
	paymentMethod: string;
	outcome: CheckoutResult;
}

type Row = {
	reservation_id: string;
	order_id: string;
	session_id: string;
	client_key: string;
	payment_method: string;
	quantity: number;
	amount_cents: number;
	currency: string;
	step: string;
	charge_attempts: number;
	compensation_attempts: number;
	payment_id: string | null;
	deadline: number;
	resume_at: number | null;
	outcome: string | null;
	created_at: number;
	paid_at: number | null;
	prior_failures: number;
};

type FailureRow = {
	reservation_id: string;
	session_id: string;
	client_key: string;
	payment_method: string;
	outcome: string;
};

/** Every read of a saga row counts the failed payments of its reservation with it. */
const SELECT_ROW = `SELECT c.*, (SELECT COUNT(*) FROM checkout_failures f
	WHERE f.reservation_id = c.reservation_id) AS prior_failures FROM checkouts c`;

const UPSERT = `INSERT OR REPLACE INTO checkouts
	(reservation_id, order_id, session_id, client_key, payment_method, quantity, amount_cents,
	 currency, step, charge_attempts, compensation_attempts, payment_id, deadline, resume_at,
	 outcome, created_at, paid_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function fromRow(r: Row): CheckoutRow {
	return {
		reservationId: r.reservation_id,
		orderId: r.order_id,
		sessionId: r.session_id,
		clientKey: r.client_key,
		paymentMethod: r.payment_method,
		quantity: r.quantity,
		amountCents: r.amount_cents,
		currency: r.currency,
		step: r.step as CheckoutStep,
		chargeAttempts: r.charge_attempts,
		compensationAttempts: r.compensation_attempts,
		paymentId: r.payment_id,
		deadlineMs: r.deadline,
		resumeAtMs: r.resume_at,
		outcome: r.outcome === null ? null : (JSON.parse(r.outcome) as CheckoutResult),
		createdAtMs: r.created_at,
		paidAtMs: r.paid_at,
		priorFailures: r.prior_failures,
	};
}

export class CheckoutStore {
	constructor(private readonly sql: SqlStorage) {}

	get(reservationId: string): CheckoutRow | null {
		return this.first(`${SELECT_ROW} WHERE c.reservation_id = ?`, reservationId);
	}

	byOrderId(orderId: string): CheckoutRow | null {
		return this.first(`${SELECT_ROW} WHERE c.order_id = ?`, orderId);
	}

	byClientKey(sessionId: string, clientKey: string): CheckoutRow | null {
		return this.first(
			`${SELECT_ROW} WHERE c.session_id = ? AND c.client_key = ? LIMIT 1`,
			sessionId,
			clientKey,
		);
	}

	/** Sagas that are not settled yet, earliest first. */
	unsettled(limit: number): CheckoutRow[] {
		return this.sql
			.exec<Row>(`${SELECT_ROW} WHERE c.resume_at IS NOT NULL ORDER BY c.resume_at LIMIT ?`, limit)
			.toArray()
			.map(fromRow);
	}

	/** The failed payment this session made with this client key, on any reservation. */
	failure(sessionId: string, clientKey: string): FailedPayment | null {
		const row = this.sql
			.exec<FailureRow>(
				"SELECT * FROM checkout_failures WHERE session_id = ? AND client_key = ?",
				sessionId,
				clientKey,
			)
			.toArray()[0];
		if (row === undefined) return null;
		return {
			reservationId: row.reservation_id,
			sessionId: row.session_id,
			clientKey: row.client_key,
			paymentMethod: row.payment_method,
			outcome: JSON.parse(row.outcome) as CheckoutResult,
		};
	}

	/** Failed payments of this reservation after which its hold was kept. */
	failureCount(reservationId: string): number {
		const row = this.sql
			.exec<{ n: number }>(
				"SELECT COUNT(*) AS n FROM checkout_failures WHERE reservation_id = ?",
				reservationId,
			)
			.toArray()[0];
		return row?.n ?? 0;
	}

	/**
	 * A failed payment after which the hold is kept: its outcome stays answerable for its
	 * client key, and the reservation is free for the next payment (a new row). Called in
	 * the same synchronous turn as the hold's return to RESERVED.
	 */
	retire(c: CheckoutRow, failedAtMs: number): void {
		if (c.outcome === null) throw new Error("a retired payment needs its outcome");
		this.sql.exec(
			`INSERT INTO checkout_failures
				(reservation_id, session_id, client_key, payment_method, outcome, failed_at)
				VALUES (?, ?, ?, ?, ?, ?)`,
			c.reservationId,
			c.sessionId,
			c.clientKey,
			c.paymentMethod,
			JSON.stringify(c.outcome),
			failedAtMs,
		);
		this.sql.exec("DELETE FROM checkouts WHERE reservation_id = ?", c.reservationId);
	}

	put(c: CheckoutRow): void {
		this.sql.exec(
			UPSERT,
			c.reservationId,
			c.orderId,
			c.sessionId,
			c.clientKey,
			c.paymentMethod,
			c.quantity,
			c.amountCents,
			c.currency,
			c.step,
			c.chargeAttempts,
			c.compensationAttempts,
			c.paymentId,
			c.deadlineMs,
			c.resumeAtMs,
			c.outcome === null ? null : JSON.stringify(c.outcome),
			c.createdAtMs,
			c.paidAtMs,
		);
	}

	/**
	 * Drops the settled sagas that moved no money (reset): unsettled ones still owe the
	 * buyer a refund or an answer, and a paid, refunded or unresolved one is an order or
	 * a money trail that a reset never erases.
	 */
	deleteSettled(): void {
		this.sql.exec("DELETE FROM checkouts WHERE resume_at IS NULL AND step = 'failed'");
		// Failed payments whose hold the reset cleared: nothing is left to pay again. Those of
		// a saga still compensating name its provider key, and those of a paid order still
		// answer their keys: both stay with their row.
		this.sql.exec(
			"DELETE FROM checkout_failures WHERE reservation_id NOT IN (SELECT reservation_id FROM checkouts)",
		);
	}

	private first(query: string, ...params: (string | number)[]): CheckoutRow | null {
		const row = this.sql.exec<Row>(query, ...params).toArray()[0];
		return row === undefined ? null : fromRow(row);
	}
}

export function toOrder(sku: string, c: CheckoutRow): Order {
	return {
		orderId: c.orderId,
		reservationId: c.reservationId,
		sku,
		quantity: c.quantity,
		amountCents: c.amountCents,
		currency: c.currency,
		status: c.step === "refunded" ? "REFUNDED" : "PAID",
		paidAt: new Date(c.paidAtMs ?? c.createdAtMs).toISOString(),
	};
}

/** Backs the simulated provider with the object's SQLite: synchronous, same transaction. */
export class SqlSimStore implements SyncStore<SimRecord> {
	constructor(private readonly sql: SqlStorage) {}

	get(key: string): SimRecord | undefined {
		const row = this.sql
			.exec<{ value: string }>("SELECT value FROM payment_sim WHERE key = ?", key)
			.toArray()[0];
		return row === undefined ? undefined : (JSON.parse(row.value) as SimRecord);
	}

	put(key: string, value: SimRecord): void {
		this.sql.exec(
			"INSERT OR REPLACE INTO payment_sim (key, value) VALUES (?, ?)",
			key,
			JSON.stringify(value),
		);
	}
}

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
export function orderProjection(db: D1Database): (event: AuditEvent) => D1PreparedStatement[] {
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
