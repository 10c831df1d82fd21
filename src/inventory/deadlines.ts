// The SKU object's one alarm and the deadlines it serves: hold expiry, checkout
// sagas, the outbox's retry, a split SKU's unconfirmed transfers, the waiting room,
// and the deletion of ended Idempotency-Key records and ended holds. A Durable Object has one alarm,
// so it is set for the earliest deadline and the alarm run plans the next one.

import { IDEMPOTENCY_PRUNE_BATCH, IDEMPOTENCY_PRUNE_SLACK_MS } from "../domain/bounds.ts";
import type { Inventory } from "../domain/inventory.ts";
import { ENDED_HOLDS_PRUNE_BATCH, earliestEndedExpiry, pruneEndedHolds } from "./ended-holds.ts";
import type { Outbox } from "./outbox.ts";
import { earliestOutcomeExpiry, pruneOutcomes } from "./records.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** What the alarm needs of the object (inventory/object.ts builds it from its own state). */
export interface DeadlineHost {
	storage: Pick<DurableObjectStorage, "setAlarm">;
	sql: SqlStorage;
	/** How long an ended hold's row is kept after its expiresAt (domain/hold-retention.ts). */
	endedHoldKeptMs: number;
	outbox: Pick<Outbox, "flush" | "nextAttemptMs">;
	/** The SKU's waiting room (inventory/waiting-room.ts): its next admission lapse. */
	room: RoomKeeper;
	inventory(): Inventory | null;
	/** Lazy expiry (the object's `tick`); returns now. */
	tick(): number;
	/** The checkout sagas' next step (inventory/checkout-driver.ts); null when none waits. */
	sagaWakeMs(): number | null;
	/** Re-sends what the other objects of a split SKU have not confirmed (escrow, then room). */
	retryTransfers(): Promise<void>;
	/** Moves the checkout sagas that wait for the alarm (inventory/checkout-driver.ts). */
	resumeSagas(): Promise<void>;
	/** Sessions whose ended holds were just deleted: their stored read goes if nothing else of theirs is left. */
	holdsPruned(sessionIds: ReadonlySet<string>): void;
	/**
	 * When a split SKU's coordinator with live viewers must wake at the latest, should its merges'
	 * timer die with it (inventory/live-poll.ts wakeMs); null without viewers.
	 */
	liveWakeMs(): number | null;
}

export class Deadlines {
	private alarmAtMs: number | null = null;
	/** When the alarm next deletes ended Idempotency-Key records (null: none stored). */
	private pruneAtMs: number | null = null;
	/** When the alarm next deletes ended holds (null: none kept). */
	private holdPruneAtMs: number | null = null;

	constructor(private readonly host: DeadlineHost) {}

	/** At start: the alarm storage already holds (set by an earlier run of the object). */
	known(alarmAtMs: number | null): void {
		this.alarmAtMs = alarmAtMs;
	}

	/** At load: the first stored Idempotency-Key record to end plans the first pruning. */
	loaded(): void {
		const firstEnd = earliestOutcomeExpiry(this.host.sql);
		this.pruneAtMs = firstEnd === null ? null : firstEnd + IDEMPOTENCY_PRUNE_SLACK_MS;
		this.holdPruneAtMs = this.holdPruneFor(earliestEndedExpiry(this.host.sql));
	}

	/** At start, after `known`: stored records that end get their alarm. */
	schedulePrune(): void {
		if (this.pruneAtMs !== null) this.scheduleAlarm(this.pruneAtMs);
		if (this.holdPruneAtMs !== null) this.scheduleAlarm(this.holdPruneAtMs);
	}

	/** The alarm for the earliest deadline of the SKU's parts. */
	scheduleNextDeadline(): void {
		let next: number | null = null;
		const inv = this.host.inventory();
		const deadlines = [
			inv?.nextDeadlineMs() ?? null,
			this.host.sagaWakeMs(),
			this.pruneAtMs,
			this.holdPruneAtMs,
			inv === null ? null : this.host.room.nextDeadlineMs(inv),
		];
		for (const at of deadlines) if (at !== null && (next === null || at < next)) next = at;
		if (next !== null) this.scheduleAlarm(next);
	}

	/** Moves the alarm earlier only: one alarm serves every deadline. */
	scheduleAlarm(atMs: number): void {
		if (this.alarmAtMs !== null && this.alarmAtMs <= atMs) return;
		this.alarmAtMs = atMs;
		void this.host.storage.setAlarm(atMs);
	}

	/** An Idempotency-Key record ends at `endMs`: the alarm deletes it a little later, with others. */
	prunableAt(endMs: number): void {
		const at = endMs + IDEMPOTENCY_PRUNE_SLACK_MS;
		if (this.pruneAtMs !== null && this.pruneAtMs <= at) return;
		this.pruneAtMs = at;
		this.scheduleAlarm(at);
	}

	/**
	 * Holds that expire (or expired) at `expiresAtMs` at the earliest were written ended: the
	 * alarm deletes them once they are kept no longer. Memory only unless it moves the alarm earlier.
	 */
	holdsEnded(expiresAtMs: number): void {
		const at = this.holdPruneFor(expiresAtMs);
		if (at === null || (this.holdPruneAtMs !== null && this.holdPruneAtMs <= at)) return;
		this.holdPruneAtMs = at;
		this.scheduleAlarm(at);
	}

	/** The alarm's run: expiry, ended records and holds, transfers, checkout sagas, outbox retry. */
	async run(): Promise<void> {
		this.alarmAtMs = null;
		if (this.host.inventory() === null) return;
		const now = this.host.tick();
		this.pruneReplays(now);
		this.pruneHolds(now);
		await this.host.retryTransfers();
		await this.host.resumeSagas();
		// Kept set until the outbox is empty (on the backoff while D1 fails).
		const outbox = this.host.outbox;
		if (!(await outbox.flush())) this.scheduleAlarm(outbox.nextAttemptMs(Date.now()));
		this.scheduleNextDeadline();
		// Here only, not with every write's deadlines: the merges' timer sets it while it runs.
		const wakeMs = this.host.liveWakeMs();
		if (wakeMs !== null) this.scheduleAlarm(wakeMs);
	}

	/**
	 * From every alarm run: deletes a bounded batch of ended records (one indexed
	 * statement, nothing when none has ended), so a backlog never holds the
	 * object for long; what is left goes in the next run, which comes at once
	 * while ended records remain (docs/decisions/009-idempotency-window.md).
	 */
	private pruneHolds(now: number): void {
		const kept = this.host.endedHoldKeptMs;
		const { sessions, earliestEndedMs } = pruneEndedHolds(
			this.host.sql,
			now - kept,
			ENDED_HOLDS_PRUNE_BATCH,
		);
		if (sessions.size > 0) this.host.holdsPruned(sessions);
		// Ended holds past their window left (more than a batch): the next run comes at once.
		this.holdPruneAtMs =
			earliestEndedMs !== null && earliestEndedMs + kept <= now
				? now
				: this.holdPruneFor(earliestEndedMs);
	}

	/** When the ended holds that expire at `expiresAtMs` are pruned, with the slack that groups them. */
	private holdPruneFor(expiresAtMs: number | null): number | null {
		return expiresAtMs === null
			? null
			: expiresAtMs + this.host.endedHoldKeptMs + IDEMPOTENCY_PRUNE_SLACK_MS;
	}

	private pruneReplays(now: number): void {
		const { nextExpiryMs } = pruneOutcomes(this.host.sql, now, IDEMPOTENCY_PRUNE_BATCH);
		this.pruneAtMs =
			nextExpiryMs === null
				? null
				: nextExpiryMs <= now
					? now
					: nextExpiryMs + IDEMPOTENCY_PRUNE_SLACK_MS;
	}
}
