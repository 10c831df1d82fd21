// The cool-down after a session's own hold on a SKU ends unpaid
// (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md). Pure: the caller passes
// the clock.
//
// Without it a script re-reserves at its hold's `expiresAt` + a few ms: lazy expiry frees the
// units and the same decision hands them back to it, before any feed message or read could tell
// a person they were free, so a few sessions keep a drop's stock "held" for as long as they like.
// The rule, per session and SKU:
// - a hold that ends unpaid (expired, released by its buyer, or released after a failed
//   payment) leaves the session "held until" the moment it ended, and never before its
//   expiresAt: for an expiry that moment is its expiresAt, however late the expiry is recorded
//   (an alarm run late, an object down meanwhile), so the live model and one rebuilt from the
//   stored holds agree; a release is max(expiresAt, the moment it was released);
// - before that moment (it released a hold early) the session may reserve again, but the new
//   hold expires no later than it: a changed quantity keeps the time left, and releasing just
//   before expiry to re-reserve gains no time;
// - from that moment, for `cooldownMs(holdSeconds)`, the session's reserves on the SKU are
//   refused (429 `hold_cooldown`, Retry-After): the units are everyone else's first;
// - a paid hold forgives the session's unpaid ends that held no later than its own expiresAt
//   (the cancels and lapses that led to the purchase: a buyer who released to change the
//   quantity and then paid is not cooled for it); ends after that time still cool.
// Derived from the stored holds after a restart (their `expires_at`, the ended unpaid and the
// paid ones), so only the part of a cool-down that a failed payment after its hold's
// `expiresAt` adds can be lost (docs/decisions/135-the-cool-down-from-the-holds-own-end.md).

/** A demo sandbox (docs/decisions/012-sandbox-exemption.md) is a private SKU: no cool-down. */
export const SANDBOX_SKU_PREFIX = "SBX-";

/** Bounds of the cool-down: a fallback reader's 10 s read and a click, and a minute at most. */
export const MIN_COOLDOWN_SECONDS = 15;
export const MAX_COOLDOWN_SECONDS = 60;

/** The cool-down's length: the product's hold, within 15..60 s. */
export function cooldownMs(holdSeconds: number): number {
	return (
		Math.min(MAX_COOLDOWN_SECONDS, Math.max(MIN_COOLDOWN_SECONDS, Math.round(holdSeconds))) * 1000
	);
}

/** What the rule says of one session's next reserve on the SKU. */
export type CooldownVerdict =
	| { kind: "free" }
	/** Within the time of a hold it released: a new hold expires no later than `expiresAtMs`. */
	| { kind: "capped"; expiresAtMs: number }
	/** Refused until `retryAtMs`. */
	| { kind: "cooling"; retryAtMs: number };

/** The common answer, one object for every reserve that meets no cool-down (no allocation). */
export const FREE: CooldownVerdict = Object.freeze({ kind: "free" });

/** What the rule reads of a hold. */
interface HoldTimes {
	sessionId: string;
	expiresAtMs: number;
}

/** Below this many sessions the map is never swept. */
const SWEEP_MIN_SIZE = 1024;

export class HoldCooldowns {
	/** Per session: until when its last unpaid hold held the units (see above). */
	private readonly heldUntil = new Map<string, number>();
	/** Per session: the latest expiresAt of its paid holds; ends held no later are forgiven. */
	private readonly forgiven = new Map<string, number>();
	/** The size at which the maps are next swept of the sessions whose cool-down is over. */
	private sweepAtSize = SWEEP_MIN_SIZE;

	/**
	 * `ended`: each session's latest unpaid end (records.ts loadState); `paid`: each session's
	 * latest paid hold's expiresAt. The order does not matter: the same state as live.
	 */
	constructor(
		ended: Iterable<[sessionId: string, heldUntilMs: number]> = [],
		paid: Iterable<[sessionId: string, expiresAtMs: number]> = [],
	) {
		for (const [session, atMs] of paid) this.forgive(session, atMs);
		for (const [session, atMs] of ended) this.remember(session, atMs);
	}

	/**
	 * A hold of `sessionId` ended unpaid at `nowMs`; it held its units until `heldUntilMs`.
	 * Sessions whose cool-down is over are dropped once the maps double: amortised O(1), and
	 * they never hold more than twice the sessions of the last cool-down.
	 */
	ended(sessionId: string, heldUntilMs: number, nowMs: number, coolMs: number): void {
		this.remember(sessionId, heldUntilMs);
		this.sweepIfGrown(nowMs, coolMs);
	}

	/** A hold of `sessionId` that expired at `expiresAtMs` was paid at `nowMs`. */
	paid(sessionId: string, expiresAtMs: number, nowMs: number, coolMs: number): void {
		this.forgive(sessionId, expiresAtMs);
		this.sweepIfGrown(nowMs, coolMs);
	}

	/**
	 * `hold` ended unpaid at `nowMs`. An expiry held until its expiresAt, however late it is
	 * recorded (the stored row says the same after a restart); a release or a failed payment,
	 * until the later of its expiresAt and the moment it came.
	 */
	holdEnded(hold: HoldTimes, expired: boolean, nowMs: number, holdSeconds: number): void {
		const until = expired ? hold.expiresAtMs : Math.max(hold.expiresAtMs, nowMs);
		this.ended(hold.sessionId, until, nowMs, cooldownMs(holdSeconds));
	}

	/** `hold` was paid at `nowMs`: it forgives the session's unpaid ends held no later than it. */
	holdPaid(hold: HoldTimes, nowMs: number, holdSeconds: number): void {
		this.paid(hold.sessionId, hold.expiresAtMs, nowMs, cooldownMs(holdSeconds));
	}

	private remember(sessionId: string, heldUntilMs: number): void {
		const forgiven = this.forgiven.get(sessionId);
		if (forgiven !== undefined && heldUntilMs <= forgiven) return;
		const before = this.heldUntil.get(sessionId);
		if (before === undefined || heldUntilMs > before) this.heldUntil.set(sessionId, heldUntilMs);
	}

	private forgive(sessionId: string, expiresAtMs: number): void {
		const before = this.forgiven.get(sessionId);
		if (before !== undefined && before >= expiresAtMs) return;
		this.forgiven.set(sessionId, expiresAtMs);
		const until = this.heldUntil.get(sessionId);
		// The latest end is all the map keeps: an earlier one beyond `expiresAtMs` is below it.
		if (until !== undefined && until <= expiresAtMs) this.heldUntil.delete(sessionId);
	}

	/**
	 * Drops what can no longer change an answer: a cool-down that is over, and a forgiveness
	 * whose time is a cool-down past (an end it would forgive held no later, so is over too).
	 */
	private sweepIfGrown(nowMs: number, coolMs: number): void {
		if (this.heldUntil.size + this.forgiven.size < this.sweepAtSize) return;
		for (const map of [this.heldUntil, this.forgiven])
			for (const [session, atMs] of map) if (atMs + coolMs <= nowMs) map.delete(session);
		this.sweepAtSize = Math.max(SWEEP_MIN_SIZE, 2 * (this.heldUntil.size + this.forgiven.size));
	}

	verdict(sessionId: string, nowMs: number, coolMs: number): CooldownVerdict {
		const until = this.heldUntil.get(sessionId);
		if (until === undefined) return FREE;
		if (nowMs < until) return { kind: "capped", expiresAtMs: until };
		if (nowMs < until + coolMs) return { kind: "cooling", retryAtMs: until + coolMs };
		// Over: forgotten, so the map holds only the sessions of the last minute or so.
		this.heldUntil.delete(sessionId);
		return FREE;
	}

	/**
	 * A reset starts a new drop: no unpaid end of the old one's holds carries over. Paid holds
	 * stay stored through a reset, so what they forgive stays too (as a restart would read it).
	 * `kept`: the ends of the holds the reset kept (a shard's late reset keeps the new drop's;
	 * docs/decisions/138-what-a-late-split-reset-keeps.md), each session's latest as a load reads
	 * it from the stored rows, so the live model and a restart agree.
	 */
	clear(kept: Iterable<[sessionId: string, heldUntilMs: number]> = []): void {
		this.heldUntil.clear();
		for (const [session, atMs] of kept) this.remember(session, atMs);
	}

	/** Sessions the maps hold (cooling or capped, and forgiven). */
	get size(): number {
		return this.heldUntil.size + this.forgiven.size;
	}
}
