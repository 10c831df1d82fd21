// The per-session reserve limit and its tiers, kept inside the SKU's object:
// the object already serialises every attempt on the SKU, so the count is exact
// and costs no extra hop (docs/decisions/010-rate-limit-counters.md has the
// measurements behind this choice). Pure: no Workers imports, clock passed in.
//
// Nothing here is durable. A restart forgets the windows, which can only make
// the next answers more lenient; the stock rules never depend on it. One fact is
// kept by the object besides: that a session read the product, stored with the
// session's hold or ticket in the commit that writes them (inventory/readers.ts,
// which alone knows whether a read is stored), so a session the guard meets again
// after a restart is recalled as a reader.

import { type Flag, SessionSignals, type Tier } from "../domain/botsignals.ts";
import { BoundedMap, SlidingWindow } from "../domain/rate-counters.ts";
import type { ReserveLimits } from "./config.ts";

/** Sessions tracked per SKU object; the least recently seen are forgotten first (about 0.5 KB each). */
export const MAX_TRACKED_SESSIONS = 50_000;

/** The stats key each tier's refusals are counted under (`rejected` map of the SKU's stats). */
export const REJECTION_KEY: Record<Tier, string> = {
	verified: "rate_limited.reserve",
	new: "rate_limited.reserve_new",
	suspected: "rate_limited.reserve_suspected",
};

export type GuardVerdict =
	| { ok: true; tier: Tier }
	| {
			ok: false;
			tier: Tier;
			flag: Flag | null;
			limit: number;
			windowMs: number;
			retryAfterMs: number;
	  };

export type ReserveRefusal = Extract<GuardVerdict, { ok: false }>;

interface SessionState {
	signals: SessionSignals;
	/** Created on the first attempt: a session that only reads costs a few bytes. */
	window: SlidingWindow | null;
	/** The latest attempt judged and the latest flag set (this object's clock), for the drop's figures. */
	attemptedAtMs: number;
	flaggedAtMs: number;
}

export class ReserveGuard {
	private readonly sessions: BoundedMap<SessionState>;
	/**
	 * The first attempt judged (this object's clock); null before any. Memory, like the rest:
	 * the fairness figures' coverage (domain/fairness.ts coverageAcross) compares it with a split
	 * SKU's coordinator's start.
	 */
	firstAttemptMs: number | null = null;
	/**
	 * The drop's figures count attempts and flags after this (this object's clock): the object's
	 * start, or the reset that started the drop again (`dropReset`). The limits' windows and the
	 * signals themselves are kept: a reset does not lift a session's limit.
	 */
	private countsAfterMs = Number.NEGATIVE_INFINITY;

	/** `startedAtMs`: when this memory began (the object's start), for the fairness figures' coverage. */
	constructor(
		maxSessions = MAX_TRACKED_SESSIONS,
		readonly startedAtMs = 0,
	) {
		this.sessions = new BoundedMap(maxSessions);
	}

	/** The session read the product or its availability: it is no longer "new". */
	markRead(sessionId: string): void {
		this.state(sessionId).signals.markRead();
	}

	/** The guard knows the session read the product (memory only: see inventory/readers.ts). */
	hasRead(sessionId: string): boolean {
		return this.sessions.peek(sessionId)?.signals.read === true;
	}

	/** Whether the guard tracks the session now (a restart, or the bound, forgets sessions). */
	tracks(sessionId: string): boolean {
		return this.sessions.peek(sessionId) !== undefined;
	}

	/**
	 * A session met again after the guard forgot it: `read` says whether the object's
	 * SQLite has its read (inventory/readers.ts). Tracked from now on either way, so it
	 * is looked up once.
	 */
	recall(sessionId: string, read: boolean): void {
		const state = this.state(sessionId);
		if (read) state.signals.markRead();
	}

	/**
	 * Judges one attempt. `arrivedAtMs` (the edge's clock) feeds the timing
	 * signals; `nowMs` (this object's clock) keeps the window, unless the limits
	 * say the request names its own time (RATE_LIMIT_CLOCK=request, config.ts).
	 * Refused attempts are observed for signals but not counted in the window, so
	 * an impatient retry never moves its own Retry-After.
	 */
	attempt(
		sessionId: string,
		arrivedAtMs: number,
		nowMs: number,
		limits: ReserveLimits,
	): GuardVerdict {
		this.firstAttemptMs ??= nowMs;
		const state = this.state(sessionId);
		const flaggedUntil = state.signals.flaggedUntilMs;
		const tier = state.signals.observe(arrivedAtMs, limits.flaggedForMs);
		state.attemptedAtMs = nowMs;
		if (state.signals.flaggedUntilMs !== flaggedUntil) state.flaggedAtMs = nowMs;
		if (state.window === null || state.window.windowMs !== limits.windowMs) {
			state.window = new SlidingWindow(limits.windowMs);
		}
		const limit = limits[tier];
		const decision = state.window.hit(limits.windowAtArrival ? arrivedAtMs : nowMs, limit);
		if (decision.ok) return { ok: true, tier };
		return {
			ok: false,
			tier,
			flag: tier === "suspected" ? state.signals.flag : null,
			limit,
			windowMs: limits.windowMs,
			retryAfterMs: decision.retryAfterMs,
		};
	}

	/**
	 * A reset started the drop again: attempts and flags until `afterMs` (the reset, or the start
	 * of the new drop a shard's late reset keeps, decision 134) are no longer the drop's.
	 */
	dropReset(afterMs: number): void {
		this.countsAfterMs = afterMs;
	}

	get size(): number {
		return this.sessions.size;
	}

	/**
	 * What the signals know of every tracked session, for the fairness figures
	 * (domain/fairness.ts): whether it read the product, whether it was ever flagged,
	 * whether it made a reserve attempt. Flags and attempts are the drop's, since the last
	 * reset (`dropReset`). Sessions forgotten past MAX_TRACKED_SESSIONS are absent.
	 */
	*known(): Generator<[string, { read: boolean; everFlagged: boolean; attempted: boolean }]> {
		for (const [sessionId, state] of this.sessions.entries()) {
			yield [
				sessionId,
				{
					read: state.signals.read,
					// A flag, once set, is never cleared (domain/botsignals.ts): it names the last reason.
					everFlagged: state.signals.flag !== null && state.flaggedAtMs > this.countsAfterMs,
					attempted: state.window !== null && state.attemptedAtMs > this.countsAfterMs,
				},
			];
		}
	}

	private state(sessionId: string): SessionState {
		return this.sessions.use(sessionId, () => ({
			signals: new SessionSignals(),
			window: null,
			attemptedAtMs: Number.NEGATIVE_INFINITY,
			flaggedAtMs: Number.NEGATIVE_INFINITY,
		}));
	}
}

/** The sentence a refused buyer reads: which limit, why, and when to come back. */
export function refusalMessage(v: ReserveRefusal, retryAfterSeconds: number): string {
	const per = `${v.limit} reservation attempt${v.limit === 1 ? "" : "s"} per ${v.windowMs / 1000} s`;
	const again = `Retry after ${retryAfterSeconds} s.`;
	if (v.tier === "suspected") {
		const why =
			v.flag === "burst"
				? "arrived in a burst faster than a person can click"
				: "arrived at machine-regular intervals";
		return `This session's attempts ${why}, so it is limited to ${per} for a while. ${again}`;
	}
	if (v.tier === "new") {
		return `This session has not viewed this product yet, so it is limited to ${per}; viewing the product (GET /api/products/:sku with the session token) raises the limit. ${again}`;
	}
	return `This session reached its limit of ${per}. ${again}`;
}
