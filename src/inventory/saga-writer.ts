// Writes the checkout sagas' steps for the driver (checkout-driver.ts), which admits
// requests and runs the effects. One step is written in one synchronous turn: its audit
// notes, the hold's transition and the saga row (checkout-store.ts), inside a savepoint of
// the step's own (atomically) whose release stages the model's changes for the turn's
// commit. Only this writer writes the saga rows, so it keeps what it wrote in memory: the
// state last written of each saga driven here (stepping a provider's answer reads no row
// back) and each unsettled saga's resume time (planning the alarm queries no SQLite).

import type { HoldChange, SagaStep } from "../domain/checkout-saga.ts";
import type { SagaState } from "../domain/checkout-state.ts";
import type { CheckoutStore } from "./checkout-store.ts";
import type { SagaHost } from "./saga-host.ts";

/** The part of the object the writer reaches: the model, its staging, its savepoints and alarm. */
export type SagaWriterHost = Pick<SagaHost, "inventory" | "stage" | "wake" | "atomically">;

export class SagaWriter {
	/**
	 * The state last written of each saga driven here, so stepping a provider's answer
	 * does not read back the row this instance wrote. Only this writer writes the rows;
	 * a rollback (SagaHost.atomically reloads) and a reset clear it.
	 */
	private readonly written = new Map<string, SagaState>();
	/** resume_at of every unsettled saga, so planning the alarm never queries SQLite. */
	private readonly wakeups = new Map<string, number>();

	constructor(
		private readonly rows: CheckoutStore,
		private readonly host: SagaWriterHost,
	) {}

	/** After the object loads its state: remember which sagas the alarm must look at. */
	load(): void {
		this.wakeups.clear();
		this.written.clear();
		for (const saga of this.rows.unsettled(Number.MAX_SAFE_INTEGER)) {
			if (saga.resumeAtMs !== null) this.wakeups.set(saga.reservationId, saga.resumeAtMs);
		}
	}

	/** The saga's state as last written: what this writer wrote, else its row. */
	saga(id: string): SagaState | null {
		return this.written.get(id) ?? this.rows.get(id);
	}

	/** The saga is no longer driven here: its next step starts from its row. */
	forget(id: string): void {
		this.written.delete(id);
	}

	/** After a reset: every saga's next step starts from its row. */
	forgetAll(): void {
		this.written.clear();
	}

	/** resume_at of every unsettled saga, by reservation id. */
	get resumeTimes(): ReadonlyMap<string, number> {
		return this.wakeups;
	}

	/** One step in one synchronous turn: audit notes, the hold's transition, the saga row. */
	apply(next: SagaStep, nowMs: number): void {
		const { state } = next;
		const inv = this.host.inventory();
		for (const note of next.notes) inv?.note(note);
		if (next.hold !== null) this.transition(state.reservationId, next.hold, nowMs);
		if (next.write === "put") this.save(state);
		else if (next.write === "retire") {
			this.rows.retire(state, nowMs);
			this.written.delete(state.reservationId);
			this.wakeups.delete(state.reservationId);
		}
		if (next.alert !== null) {
			// Money may be held without an order: loud, and kept for an operator.
			console.error("checkout compensation needs an operator", {
				reservationId: state.reservationId,
				paymentId: state.paymentId,
				reason: next.alert,
			});
		}
		// The hold's transition and the notes are written by the caller: staged once its
		// savepoint is released (atomically), or persisted after a reset's steps.
	}

	/**
	 * `fn` in a savepoint of its own (SagaHost.atomically); once it is released, the
	 * model's changes are staged to be written with those of the other steps of this turn.
	 * A throw rolls back only `fn`'s writes; what earlier steps staged is written first.
	 */
	atomically<T>(fn: () => T): T {
		let result: T;
		try {
			result = this.host.atomically(fn);
		} catch (error) {
			this.rows.discard();
			throw error;
		}
		this.rows.release();
		this.host.stage();
		return result;
	}

	private transition(id: string, change: HoldChange, nowMs: number): void {
		const inv = this.host.inventory();
		if (inv === null) throw new Error(`hold ${id}: ${change.kind} without an inventory`);
		const done =
			change.kind === "complete"
				? inv.completeCheckout(id, change.orderId, nowMs)
				: change.kind === "reopen"
					? inv.reopenCheckout(id, nowMs, change.detail)
					: inv.failCheckout(id, nowMs, change.reason);
		// The step saw the hold CHECKOUT_PENDING in this same turn: a refusal is a bug.
		if (!done.ok) throw new Error(`hold ${id}: ${change.kind} refused (${done.code})`);
	}

	save(saga: SagaState): void {
		this.rows.put(saga);
		this.written.set(saga.reservationId, saga);
		if (saga.resumeAtMs === null) {
			this.wakeups.delete(saga.reservationId);
			return;
		}
		this.wakeups.set(saga.reservationId, saga.resumeAtMs);
		this.host.wake(saga.resumeAtMs);
	}
}
