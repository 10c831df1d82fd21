// What one group commit decides (group-commit.ts): the reserve calls and
// cancels that arrived together, in arrival order, against the SKU's model.
// decide-group.ts runs this inside its transaction and then writes what changed;
// nothing here awaits, so the whole batch is one synchronous block.

import { decideReserves, type OutcomeStore } from "../domain/batch.ts";
import type { ReplayWindows } from "../domain/idempotency.ts";
import type { Hold, Inventory } from "../domain/inventory.ts";
import type { JoinFrom } from "../domain/waiting-room.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import { REJECTION_KEY, type ReserveGuard } from "../ratelimit/reserve-guard.ts";
import { toReservation } from "./codec.ts";
import { storedOutcome, storeOutcome } from "./records.ts";
import type { SqlRows } from "./rows.ts";
import type {
	CancelResult,
	JoinResult,
	ReserveAnswer,
	ReserveRequest,
	ReserveResult,
} from "./rpc.ts";

export type ReserveOp = {
	kind: "reserve";
	attempts: ReserveRequest[];
	limits: ReserveLimits | null;
	/**
	 * A split SKU's shard: units available outside it, counted for the call's attempts that
	 * the purchase limit refuses (inventory/shard-reserve.ts); absent for one object.
	 */
	stockElsewhere?: number;
};
export type CancelOp = { kind: "cancel"; id: string; sessionId: string };
/**
 * A session takes its waiting-room ticket (inventory/waiting-room.ts): a burst of joins shares
 * commits too. `priorRead`: the edge saw the session read the product (as a reserve attempt's).
 * `from`: the session's address for the room's per-address cap and whether the read was judged
 * (RATE_LIMITS on) and missing; absent: neither counts (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
 */
export type JoinOp = {
	kind: "join";
	sessionId: string;
	ticketId: string;
	priorRead?: boolean;
	from?: JoinFrom;
};
export type Op = ReserveOp | CancelOp | JoinOp;
export type OpAnswer = ReserveAnswer | CancelResult | JoinResult;

export const NO_ROWS: Readonly<SqlRows> = { read: 0, written: 0 };

export interface BatchHost {
	sql: SqlStorage;
	/** Per-session reserve limits and bot signals (ratelimit/reserve-guard.ts). */
	guard: ReserveGuard;
	/** An active hold from memory, else its stored row. */
	readHold(id: string): Hold | null;
	/** How long Idempotency-Key outcomes are answered again (domain/idempotency.ts). */
	windows: ReplayWindows;
	/**
	 * The waiting room's gate (inventory/waiting-room.ts): null lets the session
	 * reserve; else its 429 `queued` answer.
	 */
	gate(sessionId: string, now: number): ReserveResult | null;
	/** A session took a hold: its admission stops counting against the room's budget. */
	reserved(sessionId: string, now: number): void;
	join(op: JoinOp, now: number): JoinResult;
	/**
	 * The first decision of a coalesced attempt that arrives again (domain/attempt-memo.ts),
	 * or null when this is its first arrival.
	 */
	decidedBefore(attempt: ReserveRequest, now: number): ReserveResult | null;
}

/**
 * Decides `ops` in order at `now`. Returns one answer per op (reserve answers
 * without rows or snapshot yet: the object adds them once the batch is written),
 * the number of reserve attempts decided, how many idempotent outcomes were
 * stored (a batch that stored any must commit even without a new hold), and
 * when the earliest of them ends (the object prunes it from the alarm).
 */
export function decideOps(
	host: BatchHost,
	inv: Inventory,
	ops: readonly Op[],
	now: number,
): {
	answers: OpAnswer[];
	decisions: number;
	keyedWrites: number;
	earliestReplayEndMs: number | null;
	/** First decisions of coalesced attempts: the object remembers them once the batch is durable. */
	firstDecisions: [id: string, result: ReserveResult][];
} {
	let keyedWrites = 0;
	let decisions = 0;
	let earliestReplayEndMs: number | null = null;
	// Outcomes stored by this batch, in front of storage: a replay answered before the
	// guard (decideAttempts) must not depend on whether SQLite shows the batch's own writes.
	const keyed = new Map<string, { result: ReserveResult; untilMs: number }>();
	// Keys storage had no outcome for: a keyed attempt is looked up before the guard and again by
	// the decider, and the second look must not cost a second statement (the batch's `now` is one).
	const none = new Set<string>();
	const store: OutcomeStore<ReserveResult> = {
		get: (sessionId, key, nowMs) => {
			const slot = outcomeSlot(sessionId, key);
			const own = keyed.get(slot);
			if (own !== undefined) return own.untilMs > nowMs ? own.result : null;
			if (none.has(slot)) return null;
			const stored = storedOutcome(host.sql, sessionId, key, nowMs);
			if (stored === null) none.add(slot);
			return stored;
		},
		put: (sessionId, key, result, untilMs) => {
			keyed.set(outcomeSlot(sessionId, key), { result, untilMs });
			storeOutcome(host.sql, sessionId, key, result, untilMs);
			keyedWrites += 1;
			if (earliestReplayEndMs === null || untilMs < earliestReplayEndMs) {
				earliestReplayEndMs = untilMs;
			}
		},
	};
	const firsts = new Map<string, ReserveResult>();
	const answers = ops.map((op): OpAnswer => {
		if (op.kind === "cancel") return decideCancel(host, inv, op, now);
		if (op.kind === "join") {
			if (op.priorRead === true) host.guard.markRead(op.sessionId);
			return host.join(op, now);
		}
		const { results, decided } = decideAttempts(host, inv, op, now, store, firsts);
		decisions += decided;
		return { results, sqlRows: { ...NO_ROWS }, snapshot: null };
	});
	return { answers, decisions, keyedWrites, earliestReplayEndMs, firstDecisions: [...firsts] };
}

/** Where one session's Idempotency-Key outcome is kept in a batch. */
function outcomeSlot(sessionId: string, key: string): string {
	return `${sessionId}\u0000${key}`;
}

/**
 * One reserve call's attempts: a coalesced attempt already decided is answered as it was
 * (`firsts` holds this batch's own, ahead of the host's memory); a keyed replay of an
 * outcome stored earlier (or earlier in this batch) too; then the per-session guard and
 * the waiting room, then the batched decider. `decided` counts the attempts decided now
 * (replays among them, as before).
 */
function decideAttempts(
	host: BatchHost,
	inv: Inventory,
	op: ReserveOp,
	now: number,
	store: OutcomeStore<ReserveResult>,
	firsts: Map<string, ReserveResult>,
): { results: ReserveResult[]; decided: number } {
	const results: (ReserveResult | null)[] = [];
	/** Attempts that passed the guard and the room, not yet decided, and their positions. */
	const admitted: (ReserveRequest & { stockElsewhere?: number })[] = [];
	const admittedAt: number[] = [];
	/** Keys among `admitted`: their outcomes are not in the store until `decide` runs. */
	const pending = new Set<string>();
	/** Positions of this call's first-time coalesced attempts, to remember their results. */
	const coalescedAt: number[] = [];
	let repeats = 0;
	const decide = (): void => {
		if (admitted.length === 0) return;
		const decided = decideReserves(
			inv,
			admitted,
			now,
			store,
			(outcome, a): ReserveResult =>
				outcome.ok
					? { ok: true, reservation: toReservation(inv.product.sku, outcome.hold, now) }
					: outcome.code === "hold_cooldown"
						? cooldownRefusal(outcome.retryAtMs, now)
						: outcome.code === "purchase_limit"
							? limitRefusal(inv, a.sessionId, a.quantity)
							: { ok: false, code: outcome.code },
			host.windows,
		);
		admittedAt.forEach((at, i) => {
			const d = decided[i];
			if (d === undefined) throw new Error("the batched decider returned too few decisions");
			if (!d.replayed && d.outcome.ok) host.reserved(d.outcome.hold.sessionId, now);
			results[at] = d.replayed ? replayNow(host, inv, d.stored, now) : d.stored;
		});
		admitted.length = 0;
		admittedAt.length = 0;
		pending.clear();
	};
	for (const a of op.attempts) {
		if (a.coalesced === true) {
			const earlier = firsts.get(a.id) ?? host.decidedBefore(a, now);
			if (earlier !== null) {
				results.push(earlier);
				repeats += 1;
				continue;
			}
			coalescedAt.push(results.length);
		}
		if (a.priorRead === true) host.guard.markRead(a.sessionId);
		// A keyed replay is answered as it was before the rate limits and bot tiers, and
		// whatever the room says now: the contract's "original response" for a repeat
		// (docs/api.md), and a buyer retrying a lost answer spends nothing of the window
		// (docs/decisions/055-replays-and-the-live-feed.md).
		if (a.idempotencyKey !== null) {
			// The same key earlier in this call: decide what came before, so the store knows it.
			if (pending.has(outcomeSlot(a.sessionId, a.idempotencyKey))) decide();
			const stored = store.get(a.sessionId, a.idempotencyKey, now);
			if (stored !== null) {
				results.push(replayNow(host, inv, stored, now));
				continue;
			}
		}
		if (op.limits !== null) {
			const verdict = host.guard.attempt(a.sessionId, a.arrivedAtMs ?? now, now, op.limits);
			if (!verdict.ok) {
				// Never stored as an idempotent outcome: the same key may pass once the window allows.
				inv.attempts += 1;
				inv.reject(REJECTION_KEY[verdict.tier]);
				results.push({ ok: false, code: "rate_limited", refusal: verdict });
				continue;
			}
		}
		// After the rate limits and bot tiers, which apply to everyone.
		const queued = host.gate(a.sessionId, now);
		if (queued !== null) {
			inv.attempts += 1;
			// A session the room has not admitted that already holds or bought the limit: no
			// admission could let it reserve, and the join refuses it a ticket, so the 429's
			// "join the queue" would send it round in a loop. The limit answers it instead.
			// Like the room's answer it is not stored for its key: holds that end free the limit.
			const atLimit =
				inv.usageOf(a.sessionId) >= inv.product.perUserLimit
					? limitRefusal(inv, a.sessionId, a.quantity)
					: null;
			inv.reject(atLimit === null ? "queued" : "purchase_limit");
			results.push(atLimit ?? queued);
			continue;
		}
		if (a.idempotencyKey !== null) pending.add(outcomeSlot(a.sessionId, a.idempotencyKey));
		admittedAt.push(results.length);
		admitted.push(
			op.stockElsewhere === undefined ? a : { ...a, stockElsewhere: op.stockElsewhere },
		);
		results.push(null);
	}
	decide();
	const final = results.map((r) => {
		if (r === null) throw new Error("an admitted attempt was left undecided");
		return r;
	});
	for (const i of coalescedAt) {
		const a = op.attempts[i];
		const r = final[i];
		if (a !== undefined && r !== undefined) firsts.set(a.id, r);
	}
	return { results: final, decided: op.attempts.length - repeats };
}

/** A 429 `hold_cooldown`: whole seconds until the cool-down is over, at least 1. */
function cooldownRefusal(retryAtMs: number, now: number): ReserveResult {
	return {
		ok: false,
		code: "hold_cooldown",
		retryAfterSeconds: Math.max(1, Math.ceil((retryAtMs - now) / 1000)),
	};
}

/**
 * A 403 `purchase_limit` with its figures for the sentence (worker/reserve-answer.ts): the
 * limit, the units the session holds or bought (a refused attempt changed none) and those asked.
 */
function limitRefusal(inv: Inventory, sessionId: string, askedUnits: number): ReserveResult {
	return {
		ok: false,
		code: "purchase_limit",
		perUserLimit: inv.product.perUserLimit,
		usedUnits: inv.usageOf(sessionId),
		askedUnits,
	};
}

/**
 * A keyed replay: the first answer (its code, or its hold's id, quantity, createdAt and
 * expiresAt), with the hold's `status` and `expiresInSeconds` as they stand now, read from the
 * hold itself (docs/api.md, Reservations; docs/decisions/088-ended-holds-and-replays.md): a
 * repeat after the hold ended, was cancelled or paid says so, and a live one's countdown is the
 * time left. A read, no write: the replay costs what it did.
 */
export function replayNow(
	host: Pick<BatchHost, "readHold">,
	inv: Inventory,
	stored: ReserveResult,
	now: number,
): ReserveResult {
	if (!stored.ok) return { ...stored, replayed: true };
	const hold = host.readHold(stored.reservation.reservationId);
	if (hold !== null)
		return { ...stored, reservation: toReservation(inv.product.sku, hold, now), replayed: true };
	// No row (deleted by a reset, which keeps only paid holds' records): past its expiresAt a
	// RESERVED hold is read as EXPIRED, as every read shows it.
	const first = stored.reservation;
	const expiresAtMs = Date.parse(first.expiresAt);
	const ended = first.status === "RESERVED" && now >= expiresAtMs;
	return {
		...stored,
		reservation: {
			...first,
			status: ended ? "EXPIRED" : first.status,
			expiresInSeconds:
				first.status === "RESERVED" ? Math.max(0, Math.ceil((expiresAtMs - now) / 1000)) : 0,
		},
		replayed: true,
	};
}

function decideCancel(host: BatchHost, inv: Inventory, op: CancelOp, now: number): CancelResult {
	const hold = host.readHold(op.id);
	if (hold === null || hold.sessionId !== op.sessionId) return { ok: false, code: "not_found" };
	const outcome = inv.cancel(hold, now);
	if (!outcome.ok) {
		return {
			ok: false,
			code: outcome.code,
			reservation: toReservation(inv.product.sku, hold, now),
		};
	}
	return { ok: true, reservation: toReservation(inv.product.sku, outcome.hold, now) };
}

/** The batch's measured rows, shared by its reserve calls in proportion to their attempts. */
export function shareRows(ops: readonly Op[], answers: OpAnswer[], rows: SqlRows): void {
	const attempts = ops.reduce((n, op) => n + (op.kind === "reserve" ? op.attempts.length : 0), 0);
	if (attempts === 0) return;
	let readLeft = rows.read;
	let writtenLeft = rows.written;
	let attemptsLeft = attempts;
	ops.forEach((op, i) => {
		const answer = answers[i];
		if (op.kind !== "reserve" || answer === undefined || !("results" in answer)) return;
		const read = Math.round((readLeft * op.attempts.length) / attemptsLeft);
		const written = Math.round((writtenLeft * op.attempts.length) / attemptsLeft);
		answer.sqlRows = { read, written };
		readLeft -= read;
		writtenLeft -= written;
		attemptsLeft -= op.attempts.length;
	});
}
