// The checkout sagas' durable state in the SKU object's SQLite (schema.ts:
// `checkouts`, `checkout_failures`): the state of src/domain/checkout-saga.ts, one
// row per reservation's current payment, and the failed payments that kept the hold.
//
// Saga rows are staged like the hold rows (docs/decisions/037-checkouts-stage-saga-rows.md):
// `put` and `retire` inside a step's savepoint go to `open`; once the savepoint is
// released (`release`) they are staged, and one microtask per turn writes every staged
// row, its last state only, in multi-row statements — before any reply of that turn and
// in its commit. A rolled-back savepoint drops its `open` rows (`discard`). Reads merge
// what is open or staged over SQLite, so the next request of a batch sees the rows the
// earlier ones started; reads that scan the table write the staged rows first.

import type {
	CheckoutResult,
	CheckoutStep,
	FailedPayment,
	SagaState,
} from "../domain/checkout-state.ts";
import { EndOfTask } from "./group-commit.ts";
import { MAX_SQL_PARAMS, multiRowSql } from "./records.ts";

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
/**
 * The sagas not settled yet, earliest first: read on every alarm and every load. Served by
 * the partial index checkouts_unsettled (schema.ts, migration 6), whose WHERE this must
 * match, so the read costs the unsettled sagas and not every order the SKU ever took.
 */
export const UNSETTLED_SQL = `${SELECT_ROW} WHERE c.resume_at IS NOT NULL ORDER BY c.resume_at LIMIT ?`;

// The columns a step changes are updated in place (INSERT OR REPLACE would delete and
// insert the row, rewriting its three index entries on every step); the rest are fixed
// when the payment starts.
const COLUMNS = 17;
/** Saga rows one upsert carries: as many as the statement's bound parameters allow. */
export const SAGAS_PER_STATEMENT = Math.floor(MAX_SQL_PARAMS / COLUMNS);
const UPSERT_HEAD = `INSERT INTO checkouts
	(reservation_id, order_id, session_id, client_key, payment_method, quantity, amount_cents,
	 currency, step, charge_attempts, compensation_attempts, payment_id, deadline, resume_at,
	 outcome, created_at, paid_at)`;
const UPSERT_TAIL = `ON CONFLICT (reservation_id) DO UPDATE SET step = excluded.step,
	charge_attempts = excluded.charge_attempts,
	compensation_attempts = excluded.compensation_attempts, payment_id = excluded.payment_id,
	deadline = excluded.deadline, resume_at = excluded.resume_at, outcome = excluded.outcome,
	paid_at = excluded.paid_at`;

function values(c: SagaState): (string | number | null)[] {
	return [
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
	];
}

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
	/** Rows put or retired (null) in the savepoint now open: not staged until it is released. */
	private readonly open = new Map<string, SagaState | null>();
	/** Rows of released savepoints, not written yet: each saga's last state. */
	private readonly staged = new Map<string, SagaState>();
	/** Writes the staged rows at the end of the task that staged them. */
	private readonly endOfTask = new EndOfTask(
		() => this.flush(),
		(error) => this.broken(error),
	);
	/**
	 * Whether `checkout_failures` is empty: null until looked at (and after a reset deleted
	 * some), false from the first `retire` on. Only a hint that saves admission a read: a
	 * retire rolled back with its savepoint leaves it false, which costs the read, never a
	 * missed failure (every row is inserted by `retire`).
	 */
	private failuresEmpty: boolean | null = null;

	constructor(
		private readonly sql: SqlStorage,
		/** The staged write failed in its microtask: the object must not answer from memory. */
		private readonly broken: (error: unknown) => void = (error) => {
			throw error;
		},
	) {}

	get(reservationId: string): SagaState | null {
		const pending = this.pending(reservationId);
		if (pending !== undefined) return pending;
		return this.first(`${SELECT_ROW} WHERE c.reservation_id = ?`, reservationId);
	}

	byOrderId(orderId: string): SagaState | null {
		this.flush();
		return this.first(`${SELECT_ROW} WHERE c.order_id = ?`, orderId);
	}

	/**
	 * The savepoint that put or retired rows was released: they are staged, and written
	 * by a microtask queued now, so before any reaction to a promise settled after this
	 * call (every reply of the step) and within the task, so in its commit.
	 */
	release(): void {
		if (this.open.size === 0) return;
		for (const [id, saga] of this.open) {
			// A retired row was deleted in SQLite in the savepoint; a staged copy must not revive it.
			if (saga === null) this.staged.delete(id);
			else this.staged.set(id, saga);
		}
		this.open.clear();
		if (this.staged.size > 0) this.endOfTask.schedule();
	}

	/** The savepoint rolled back: what it put or retired never happened. */
	discard(): void {
		this.open.clear();
	}

	/** Writes the staged rows now (no-op when none are staged). */
	flush(): void {
		if (this.staged.size === 0) return;
		const rows = [...this.staged.values()];
		this.staged.clear();
		for (let at = 0; at < rows.length; at += SAGAS_PER_STATEMENT) {
			const chunk = rows.slice(at, at + SAGAS_PER_STATEMENT);
			const sql = multiRowSql(UPSERT_HEAD, COLUMNS, chunk.length, UPSERT_TAIL);
			this.sql.exec(sql, ...chunk.flatMap(values));
		}
	}

	/** Undefined: nothing open or staged for this reservation; null: retired in the open savepoint. */
	private pending(reservationId: string): SagaState | null | undefined {
		const open = this.open.get(reservationId);
		if (open !== undefined) return open;
		return this.staged.get(reservationId);
	}

	private noFailures(): boolean {
		this.failuresEmpty ??=
			this.sql.exec<{ n: number }>("SELECT EXISTS (SELECT 1 FROM checkout_failures) AS n").one()
				.n === 0;
		return this.failuresEmpty;
	}

	/** A row not written yet, on another reservation, that this session started with this key. */
	private pendingWithKey(
		source: Map<string, SagaState | null>,
		reservationId: string,
		sessionId: string,
		clientKey: string,
	): SagaState | null {
		for (const id of source.keys()) {
			if (id === reservationId) continue;
			// The open copy is the newer one (or the row was retired in the open savepoint).
			const found = this.pending(id);
			if (found?.sessionId === sessionId && found.clientKey === clientKey) return found;
		}
		return null;
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
			// An open or staged row is newer than its copy in SQLite (or retired: gone).
			const pending = this.pending(row.reservation_id);
			const found = pending === undefined ? fromRow(row) : pending;
			if (found === null) continue;
			if (row.reservation_id === reservationId) saga = found;
			else if (found.sessionId === sessionId && found.clientKey === clientKey) elsewhere ??= found;
		}
		// Rows not written yet: this reservation's, or this session's key on another one.
		const mine = this.pending(reservationId);
		if (mine !== undefined) saga = mine;
		elsewhere ??= this.pendingWithKey(this.open, reservationId, sessionId, clientKey);
		elsewhere ??= this.pendingWithKey(this.staged, reservationId, sessionId, clientKey);
		// Most SKUs never see a failed payment: then there is nothing to read.
		if (this.noFailures()) return { saga, elsewhere, failure: null, failureCount: 0 };
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
		this.flush();
		return this.sql.exec<Row>(UNSETTLED_SQL, limit).toArray().map(fromRow);
	}

	/**
	 * A failed payment after which the hold is kept: its outcome stays answerable for its
	 * client key, and the reservation is free for the next payment (a new row). Called in
	 * the same synchronous turn as the hold's return to RESERVED.
	 */
	retire(c: SagaState, failedAtMs: number): void {
		if (c.outcome === null) throw new Error("a retired payment needs its outcome");
		this.failuresEmpty = false;
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
		this.open.set(c.reservationId, null);
	}

	/** Stages the row in the savepoint now open (written once it is released, see `release`). */
	put(c: SagaState): void {
		this.open.set(c.reservationId, c);
	}

	/**
	 * Drops the settled sagas that moved no money (reset): unsettled ones still owe the
	 * buyer a refund or an answer, and a paid, refunded or unresolved one is an order or
	 * a money trail that a reset never erases. `keptAfterMs`: a shard's late reset keeps the
	 * holds created after that moment (the new drop's), and with them the records of their
	 * failed payments: a repeated key is answered its decline, and the hold's failures still
	 * count towards the third that releases it (docs/decisions/138-what-a-late-split-reset-keeps.md).
	 */
	deleteSettled(keptAfterMs: number | null = null): void {
		this.flush();
		this.failuresEmpty = null;
		// The kept holds' ids, by holds_by_created (schema.ts migration 7); none without a moment.
		const kept =
			keptAfterMs === null
				? ""
				: " AND reservation_id NOT IN (SELECT id FROM holds WHERE created_at > ?)";
		const cut = keptAfterMs === null ? [] : [keptAfterMs];
		this.sql.exec(
			`DELETE FROM checkouts WHERE resume_at IS NULL AND step = 'failed'${kept}`,
			...cut,
		);
		// Failed payments whose hold the reset cleared: nothing is left to pay again. Those of
		// a saga still compensating name its provider key, and those of a paid order still
		// answer their keys: both stay with their row.
		this.sql.exec(
			`DELETE FROM checkout_failures WHERE reservation_id NOT IN (SELECT reservation_id FROM checkouts)${kept}`,
			...cut,
		);
	}

	private first(query: string, ...params: (string | number)[]): SagaState | null {
		const row = this.sql.exec<Row>(query, ...params).toArray()[0];
		return row === undefined ? null : fromRow(row);
	}
}
