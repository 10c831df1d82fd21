// The batched decider: a group of reserve attempts decided one after the other,
// in arrival order, against one Inventory. The SKU object calls it once per
// group commit (src/inventory/group-commit.ts) and writes the whole group in one
// transaction; property tests hold it against one-at-a-time decisions
// (test/unit/domain-batch.test.ts).
//
// Pure like the rest of src/domain: the clock is the caller's `nowMs`, and the
// idempotency records come through `OutcomeStore`, so the same code runs over
// SQLite in the object and over a Map in tests. Each record is an answer only
// until its window ends (domain/idempotency.ts); the store forgets it then.

import { DEFAULT_REPLAY_WINDOWS, outcomeReplayUntilMs, type ReplayWindows } from "./idempotency.ts";
import type { Inventory, ReserveOutcome } from "./inventory.ts";

export interface BatchAttempt {
	id: string;
	sessionId: string;
	quantity: number;
	idempotencyKey: string | null;
	/** A split SKU's shard: units available outside it (domain/inventory-records.ts ReserveAttempt). */
	stockElsewhere?: number;
}

/** Where first outcomes of keyed attempts live. `S` is the stored (wire) form. */
export interface OutcomeStore<S> {
	/** The outcome stored for the key, unless its window ended at or before `nowMs`. */
	get(sessionId: string, key: string, nowMs: number): S | null;
	/** Stores (or replaces an ended) outcome, to be answered until `untilMs`. */
	put(sessionId: string, key: string, stored: S, untilMs: number): void;
}

export type BatchDecision<S> =
	| { replayed: false; outcome: ReserveOutcome; stored: S }
	| { replayed: true; stored: S };

/**
 * Decides `attempts` in order. A keyed attempt whose (session, key) already has
 * an outcome — stored earlier, or decided earlier in this very batch — is
 * answered with that outcome and changes nothing (docs/api.md: "never takes a
 * second hold"). `encode` turns a fresh outcome into its stored form, so a
 * replay is byte-for-byte the first answer; it is called before the next attempt is
 * decided, so the model it may read is as the outcome left it.
 */
export function decideReserves<S>(
	inv: Inventory,
	attempts: readonly BatchAttempt[],
	nowMs: number,
	store: OutcomeStore<S>,
	encode: (outcome: ReserveOutcome, attempt: BatchAttempt) => S,
	windows: ReplayWindows = DEFAULT_REPLAY_WINDOWS,
): BatchDecision<S>[] {
	// Outcomes decided in this batch, in front of the store: a replay inside the
	// batch must not depend on whether the store sees its own uncommitted writes.
	// It lives for one batch only, so it needs no pruning.
	const fresh = new Map<string, { stored: S; untilMs: number }>();
	const decisions: BatchDecision<S>[] = [];
	for (const a of attempts) {
		const slot = a.idempotencyKey === null ? null : `${a.sessionId}\u0000${a.idempotencyKey}`;
		if (slot !== null && a.idempotencyKey !== null) {
			const inBatch = fresh.get(slot);
			const earlier =
				inBatch !== undefined
					? inBatch.untilMs > nowMs
						? inBatch.stored
						: null
					: store.get(a.sessionId, a.idempotencyKey, nowMs);
			if (earlier !== null) {
				decisions.push({ replayed: true, stored: earlier });
				continue;
			}
		}
		const outcome = inv.reserve({ ...a, nowMs });
		const stored = encode(outcome, a);
		// A cool-down passes with time: like a rate limit's refusal it is not the key's outcome,
		// so the same key may reserve once it is over (domain/hold-cooldown.ts).
		const lasting = outcome.ok || outcome.code !== "hold_cooldown";
		if (slot !== null && a.idempotencyKey !== null && lasting) {
			const untilMs = outcomeReplayUntilMs(outcome, nowMs, windows);
			fresh.set(slot, { stored, untilMs });
			store.put(a.sessionId, a.idempotencyKey, stored, untilMs);
		}
		decisions.push({ replayed: false, outcome, stored });
	}
	return decisions;
}

/**
 * The bounded adaptive wait before the next batch (docs/decisions/046-spaced-commits.md):
 * a batch that would start less than `spacingMs` after the previous one started waits for
 * the rest of that gap, so at moderate load the attempts that arrive meanwhile share one
 * call and one commit instead of paying a commit's fixed cost in twos and threes. An idle
 * SKU (the previous batch started long ago, or never) waits nothing; at the peak a cycle is
 * longer than the gap anyway, so it waits nothing either. Never more than `spacingMs`.
 */
export function spacedWaitMs(lastStartMs: number | null, nowMs: number, spacingMs: number): number {
	if (lastStartMs === null || spacingMs <= 0) return 0;
	const wait = lastStartMs + spacingMs - nowMs;
	return wait > 0 ? Math.min(wait, spacingMs) : 0;
}
