// Edge coalescing of reserve attempts (docs/hot-path/how-it-works.md, "Edge coalescing").
//
// Once the SKU object commits ~50 decisions per fsync (inventory/group-commit.ts),
// the cost of reaching it — one RPC per request — is what limits a hot SKU. So the
// reserve attempts that reach one isolate for one SKU within one turn of its event
// loop travel to the object together, in ONE call (the object already decides a
// call's attempts in order, inventory/batch-decisions.ts).
//
// No request ever waits on another request's promise: workerd warns "A promise was
// resolved or rejected from a different request context" and may drop the
// continuation (measured here: 500s). Instead:
// - the first attempt of a batch (the leader) sends it from its own timer and writes
//   each attempt's answer into a plain Map keyed by the attempt's id — data, no
//   promise crosses requests;
// - every other attempt (a waiter) looks into that Map from its own timers: first when
//   its batch's answer is due (the batch's send time plus the SKU's recent round trips),
//   then every millisecond until it is there;
// - a waiter that has no answer after COALESCE_GUARD_MS (the leader's request died,
//   or its call failed) sends its own attempt itself, with the same id, marked as a
//   repeat. The object answers a second arrival of an attempt id with its first
//   decision (domain/attempt-memo.ts), so a repeat never takes a second hold.
//
// Pure of Workers APIs: the caller hands in how to send (its own stub), how to sleep
// (its own setTimeout) and the clock, so this runs the same in node tests.

import { spacedWaitMs } from "../domain/batch.ts";
import { MAX_RESERVE_BATCH } from "../domain/bounds.ts";
import type { ReserveAnswer, ReserveRequest } from "../inventory/rpc.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";

/**
 * How long the leader waits for company before sending: 0 ms is one turn of the
 * event loop, so the attempts already waiting in the isolate join and an idle SKU
 * pays no added latency.
 */
export const COALESCE_WINDOW_MS = 0;
/**
 * A batch that would be sent less than this after the previous batch for its SKU waits for
 * the rest of the gap (domain/batch.ts `spacedWaitMs`): at moderate load the attempts that
 * arrive meanwhile share the call and its commit, whose fixed cost otherwise keeps the
 * thread busy. An idle SKU waits nothing, and at the peak a round trip is longer than the
 * gap. Measurements: docs/decisions/046-spaced-commits.md.
 */
export const COALESCE_SPACING_MS = 2;
/**
 * SKUs whose timing (last send, round trips) is kept; beyond this they are forgotten: no
 * spacing wait, and waiters look first one poll after the send until a round trip is known.
 */
const MAX_TIMED_KEYS = 10_000;
/** How often a waiter looks for its answer after its first look. One timer turn: the answer is never later than that. */
export const COALESCE_POLL_MS = 1;
/**
 * Weight of a batch's round trip (send to answer) in its SKU's moving average: the last
 * dozen or so batches count. A waiter's first look is at its batch's send time plus
 * COALESCE_FIRST_LOOK_SHARE of that average, so it wakes about when its answer lands
 * instead of polling through the round trip (docs/decisions/049-waiters-look-when-due.md).
 */
export const COALESCE_ROUND_TRIP_WEIGHT = 1 / 8;
/** The share of the average round trip a waiter sleeps through before its first look. */
export const COALESCE_FIRST_LOOK_SHARE = 1;
/**
 * A round trip counts at most this long in the average: one stalled call (a collector
 * pause, a slow commit) must not make the next batches' waiters sleep past their answers.
 */
export const MAX_ROUND_TRIP_SAMPLE_MS = 20;
/**
 * How long a waiter waits for the leader's answer before sending its attempt
 * itself. Far above a batch's round trip under load (tens of ms at the bench's
 * peak, p99 below 0.6 s on a machine swamped by other work), so it fires when the
 * leader's request died, not when it is merely slow: a repeat is one more call.
 */
export const COALESCE_GUARD_MS = 2_000;
/**
 * A batch older than this that has not been sent takes no more attempts: its
 * leader is stuck or gone, and newcomers start a batch of their own.
 */
export const COALESCE_JOIN_MS = 100;
/** Attempts in one batch: the object's own bound for one call. */
export const MAX_COALESCED = MAX_RESERVE_BATCH;
/** An answer nobody collected (the waiter's request died) is forgotten after this. */
export const COALESCE_OUTCOME_KEEP_MS = 10_000;

export interface CoalesceEnv {
	/** Sends attempts to the SKU's object from the caller's own request (its own stub). */
	send: (attempts: ReserveRequest[], limits: ReserveLimits | null) => Promise<ReserveAnswer>;
	/** A timer of the caller's own request. */
	sleep: (ms: number) => Promise<void>;
	/**
	 * Calls `fn` after `ms` from a timer of the caller's own request: a waiter's looks, one
	 * timer each and no promise (one promise per waiter). Without it, `sleep` serves.
	 */
	after?: (ms: number, fn: () => void) => void;
	nowMs: () => number;
	/** Keeps the caller's request alive until `p` settles (waitUntil), so a sent batch is answered. */
	defer?: (p: Promise<unknown>) => void;
}

/** The answer of one attempt: its batch's answer and its place in it. */
export interface Coalesced {
	answer: ReserveAnswer;
	index: number;
	/** How this attempt reached the object. */
	via: "alone" | "leader" | "waiter" | "repeat";
	/**
	 * The caller's clock when the call that decided it was sent: the answer's state was taken
	 * no earlier (worker/edge-snapshot.ts counts the copy's age from it).
	 */
	sentAtMs: number;
}

interface Batch {
	attempts: ReserveRequest[];
	limits: ReserveLimits | null;
	openedAtMs: number;
	/** When its leader sends it (the window, or the rest of the spacing gap). */
	sendAtMs: number;
	sent: boolean;
}

/** What the coalescer keeps per SKU. */
interface SkuTiming {
	/** When its last batch was sent, for the spacing. */
	lastSentAtMs: number;
	/** Moving average of its batches' round trips, ms; null until one was answered. */
	roundTripMs: number | null;
}

type Outcome =
	| { answer: ReserveAnswer; index: number; atMs: number; sentAtMs: number }
	| { failedAtMs: number };

export interface CoalescerCounts {
	/** Calls to the object: batches sent plus attempts sent alone or repeated. */
	calls: number;
	attempts: number;
	repeats: number;
	/** A waiter's timer sleeps (each a timer and a promise of its own request), for the probes and tests. */
	looks: number;
}

export class ReserveCoalescer {
	private readonly open = new Map<string, Batch>();
	private readonly outcomes = new Map<string, Outcome>();
	private readonly timing = new Map<string, SkuTiming>();
	readonly counts: CoalescerCounts = { calls: 0, attempts: 0, repeats: 0, looks: 0 };

	constructor(
		private readonly guardMs = COALESCE_GUARD_MS,
		private readonly windowMs = COALESCE_WINDOW_MS,
		private readonly spacingMs = COALESCE_SPACING_MS,
	) {}

	/** Attempts waiting in unsent batches (for tests). */
	waiting(): number {
		let n = 0;
		for (const b of this.open.values()) if (!b.sent) n += b.attempts.length;
		return n;
	}

	/**
	 * Decides `attempt` through the object, in one call with the other attempts for
	 * `key` (the SKU) that arrive meanwhile. Attempts join only a batch with the
	 * same limits, so one call carries one set of limits.
	 */
	reserve(
		key: string,
		attempt: ReserveRequest,
		limits: ReserveLimits | null,
		env: CoalesceEnv,
	): Promise<Coalesced> {
		const now = env.nowMs();
		const batch = this.open.get(key);
		if (
			batch !== undefined &&
			!batch.sent &&
			sameLimits(batch.limits, limits) &&
			batch.attempts.length < MAX_COALESCED &&
			now - batch.openedAtMs <= COALESCE_JOIN_MS
		) {
			batch.attempts.push(attempt);
			return this.wait(batch, attempt, limits, env, now, this.timing.get(key)?.roundTripMs ?? null);
		}
		const spaced = spacedWaitMs(this.timing.get(key)?.lastSentAtMs ?? null, now, this.spacingMs);
		const delayMs = Math.max(this.windowMs, spaced);
		const own: Batch = {
			attempts: [attempt],
			limits,
			openedAtMs: now,
			sendAtMs: now + delayMs,
			sent: false,
		};
		this.open.set(key, own);
		const led = this.lead(key, own, delayMs, env);
		env.defer?.(led);
		return led;
	}

	private async lead(
		key: string,
		batch: Batch,
		delayMs: number,
		env: CoalesceEnv,
	): Promise<Coalesced> {
		await env.sleep(delayMs);
		if (this.open.get(key) === batch) this.open.delete(key);
		batch.sent = true;
		const sentAtMs = env.nowMs();
		let timing = this.timing.get(key);
		if (timing === undefined) {
			if (this.timing.size >= MAX_TIMED_KEYS) this.timing.clear();
			timing = { lastSentAtMs: sentAtMs, roundTripMs: null };
			this.timing.set(key, timing);
		} else timing.lastSentAtMs = sentAtMs;
		const { attempts } = batch;
		const [mine] = attempts;
		if (mine === undefined) throw new Error("a coalesced batch without its leader");
		if (attempts.length === 1) {
			const answer = await this.send([mine], batch, env);
			timing.roundTripMs = nextRoundTripMs(timing.roundTripMs, env.nowMs() - sentAtMs);
			return { answer, index: 0, via: "alone", sentAtMs };
		}
		// Every attempt of a shared call may arrive twice (a waiter's repeat): the object
		// remembers each one's first decision.
		for (const a of attempts) a.coalesced = true;
		let answer: ReserveAnswer;
		try {
			answer = await this.send(attempts, batch, env);
		} catch {
			// The call failed (rolled back, or lost on the way back): every attempt of the
			// batch, the leader's too, tries once more alone, as a repeat.
			const at = env.nowMs();
			for (let i = 1; i < attempts.length; i++) {
				this.outcomes.set((attempts[i] as ReserveRequest).id, { failedAtMs: at });
			}
			return this.repeat(mine, batch.limits, env);
		}
		const at = env.nowMs();
		timing.roundTripMs = nextRoundTripMs(timing.roundTripMs, at - sentAtMs);
		this.forgetOld(at);
		for (let i = 1; i < attempts.length; i++) {
			this.outcomes.set((attempts[i] as ReserveRequest).id, {
				answer,
				index: i,
				atMs: at,
				sentAtMs,
			});
		}
		return { answer, index: 0, via: "leader", sentAtMs };
	}

	private wait(
		batch: Batch,
		attempt: ReserveRequest,
		limits: ReserveLimits | null,
		env: CoalesceEnv,
		joinedAtMs: number,
		roundTripMs: number | null,
	): Promise<Coalesced> {
		const after = env.after ?? ((ms: number, fn: () => void) => void env.sleep(ms).then(fn));
		// Settled only from this waiter's own timers: its own request's context.
		return new Promise<Coalesced>((resolve, reject) => {
			const look = (): void => {
				try {
					const outcome = this.outcomes.get(attempt.id);
					if (outcome !== undefined) {
						this.outcomes.delete(attempt.id);
						if ("answer" in outcome) {
							resolve({
								answer: outcome.answer,
								index: outcome.index,
								via: "waiter",
								sentAtMs: outcome.sentAtMs,
							});
						} else resolve(this.repeat(attempt, limits, env));
					} else if (env.nowMs() - joinedAtMs < this.guardMs) {
						this.counts.looks += 1;
						after(COALESCE_POLL_MS, look);
					} else if (!batch.sent) {
						// The leader never sent: this attempt leaves the batch and goes alone, as a first arrival.
						const at = batch.attempts.indexOf(attempt);
						if (at > 0) batch.attempts.splice(at, 1);
						resolve(this.alone(attempt, batch, env));
					} else resolve(this.repeat(attempt, limits, env));
				} catch (error) {
					reject(error);
				}
			};
			// The first look is when the answer is due: looks before it would find nothing.
			this.counts.looks += 1;
			after(firstLookMs(batch.sendAtMs - joinedAtMs, roundTripMs, this.guardMs), look);
		});
	}

	private async alone(
		attempt: ReserveRequest,
		batch: { limits: ReserveLimits | null },
		env: CoalesceEnv,
	): Promise<Coalesced> {
		const sentAtMs = env.nowMs();
		return { answer: await this.send([attempt], batch, env), index: 0, via: "alone", sentAtMs };
	}

	/** The attempt once more, alone, with the same id: the object answers it with its first decision. */
	private async repeat(
		attempt: ReserveRequest,
		limits: ReserveLimits | null,
		env: CoalesceEnv,
	): Promise<Coalesced> {
		this.counts.repeats += 1;
		const again: ReserveRequest = { ...attempt, coalesced: true, repeat: true };
		const sentAtMs = env.nowMs();
		return { answer: await this.send([again], { limits }, env), index: 0, via: "repeat", sentAtMs };
	}

	private send(
		attempts: ReserveRequest[],
		batch: { limits: ReserveLimits | null },
		env: CoalesceEnv,
	): Promise<ReserveAnswer> {
		this.counts.calls += 1;
		this.counts.attempts += attempts.length;
		return env.send(attempts, batch.limits);
	}

	/** Answers older than COALESCE_OUTCOME_KEEP_MS: their waiters are gone. Oldest first. */
	private forgetOld(nowMs: number): void {
		for (const [id, o] of this.outcomes) {
			const at = "atMs" in o ? o.atMs : o.failedAtMs;
			if (nowMs - at < COALESCE_OUTCOME_KEEP_MS) return;
			this.outcomes.delete(id);
		}
	}
}

/**
 * The SKU's moving average of round trips after one more, `sampleMs` (bounded by
 * MAX_ROUND_TRIP_SAMPLE_MS); the first one is taken as it is.
 */
export function nextRoundTripMs(averageMs: number | null, sampleMs: number): number {
	const sample = Math.min(Math.max(sampleMs, 0), MAX_ROUND_TRIP_SAMPLE_MS);
	if (averageMs === null) return sample;
	return averageMs + COALESCE_ROUND_TRIP_WEIGHT * (sample - averageMs);
}

/**
 * How long a waiter sleeps before its first look: until its batch is sent (`untilSendMs`
 * from now), then the share of the SKU's average round trip (COALESCE_FIRST_LOOK_SHARE), at
 * least one poll; with no round trip known yet, one poll after the send. Never past the
 * guard, which must still fire on time when the leader is gone.
 */
export function firstLookMs(
	untilSendMs: number,
	roundTripMs: number | null,
	guardMs: number,
): number {
	const dueMs =
		roundTripMs === null ? COALESCE_POLL_MS : Math.floor(COALESCE_FIRST_LOOK_SHARE * roundTripMs);
	const pauseMs = Math.max(0, untilSendMs) + Math.max(COALESCE_POLL_MS, dueMs);
	return Math.max(COALESCE_POLL_MS, Math.min(pauseMs, guardMs));
}

/** One call carries one set of limits. The configuration is normally the same object for every request. */
function sameLimits(a: ReserveLimits | null, b: ReserveLimits | null): boolean {
	if (a === b) return true;
	return a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** This isolate's batches (routes/reservations.ts); tests read its counts. */
export const edgeCoalescer = new ReserveCoalescer();
