// The checkout sagas' durable state in the SKU object's SQLite (schema.ts:
// `checkouts`, `checkout_failures`): the state of src/domain/checkout-saga.ts, one
// row per reservation's current payment, and the failed payments that kept the hold.

import type {
	CheckoutResult,
	CheckoutStep,
	FailedPayment,
	SagaState,
} from "../domain/checkout-state.ts";

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

// The columns a step changes are updated in place (INSERT OR REPLACE would delete and
// insert the row, rewriting its three index entries on every step); the rest are fixed
// when the payment starts.
const UPSERT = `INSERT INTO checkouts
	(reservation_id, order_id, session_id, client_key, payment_method, quantity, amount_cents,
	 currency, step, charge_attempts, compensation_attempts, payment_id, deadline, resume_at,
	 outcome, created_at, paid_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (reservation_id) DO UPDATE SET step = excluded.step,
	charge_attempts = excluded.charge_attempts,
	compensation_attempts = excluded.compensation_attempts, payment_id = excluded.payment_id,
	deadline = excluded.deadline, resume_at = excluded.resume_at, outcome = excluded.outcome,
	paid_at = excluded.paid_at`;

function fromRow(r: Row): SagaState {
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

function fromFailureRow(row: FailureRow): FailedPayment {
	return {
		reservationId: row.reservation_id,
		sessionId: row.session_id,
		clientKey: row.client_key,
		paymentMethod: row.payment_method,
		outcome: JSON.parse(row.outcome) as CheckoutResult,
	};
}

export class CheckoutStore {
	constructor(private readonly sql: SqlStorage) {}

	get(reservationId: string): SagaState | null {
		return this.first(`${SELECT_ROW} WHERE c.reservation_id = ?`, reservationId);
	}

	byOrderId(orderId: string): SagaState | null {
		return this.first(`${SELECT_ROW} WHERE c.order_id = ?`, orderId);
	}

	/**
	 * What admitting a checkout request reads, in two statements instead of four: this
	 * reservation's saga, a saga this session started with the same key on another
	 * reservation, the failed payment this session made with the key, and how many
	 * failed payments this reservation had (which names the next payment's provider key).
	 */
	admission(
		reservationId: string,
		sessionId: string,
		clientKey: string,
	): {
		saga: SagaState | null;
		elsewhere: SagaState | null;
		failure: FailedPayment | null;
		failureCount: number;
	} {
		let saga: SagaState | null = null;
		let elsewhere: SagaState | null = null;
		for (const row of this.sql.exec<Row>(
			`${SELECT_ROW} WHERE c.reservation_id = ? OR (c.session_id = ? AND c.client_key = ?)`,
			reservationId,
			sessionId,
			clientKey,
		)) {
			if (row.reservation_id === reservationId) saga = fromRow(row);
			else elsewhere ??= fromRow(row);
		}
		const f = this.sql
			.exec<FailureRow & { n: number }>(
				`SELECT (SELECT COUNT(*) FROM checkout_failures WHERE reservation_id = ?) AS n, f.*
				FROM (SELECT 1) LEFT JOIN checkout_failures f ON f.session_id = ? AND f.client_key = ?`,
				reservationId,
				sessionId,
				clientKey,
			)
			.one();
		return {
			saga,
			elsewhere,
			failure: f.reservation_id === null ? null : fromFailureRow(f),
			failureCount: f.n,
		};
	}

	/** Sagas that are not settled yet, earliest first. */
	unsettled(limit: number): SagaState[] {
		return this.sql
			.exec<Row>(`${SELECT_ROW} WHERE c.resume_at IS NOT NULL ORDER BY c.resume_at LIMIT ?`, limit)
			.toArray()
			.map(fromRow);
	}

	/**
	 * A failed payment after which the hold is kept: its outcome stays answerable for its
	 * client key, and the reservation is free for the next payment (a new row). Called in
	 * the same synchronous turn as the hold's return to RESERVED.
	 */
	retire(c: SagaState, failedAtMs: number): void {
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

	put(c: SagaState): void {
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

	private first(query: string, ...params: (string | number)[]): SagaState | null {
		const row = this.sql.exec<Row>(query, ...params).toArray()[0];
		return row === undefined ? null : fromRow(row);
	}
}
