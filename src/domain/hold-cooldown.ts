// The cool-down after a session's own hold on a SKU ends unpaid
// (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md). Pure: the caller passes
// the clock.
//
// Without it a script re-reserves at its hold's `expiresAt` + a few ms: lazy expiry frees the
// units and the same decision hands them back to it, before any feed message or read could tell
// a person they were free, so a few sessions keep a drop's stock "held" for as long as they like.
// The rule, per session and SKU:
// - a hold that ends unpaid (expired, released by its buyer, or released after a failed
//   payment) leaves the session "held until" max(its expiresAt, the moment it ended);
// - before that moment (it released a hold early) the session may reserve again, but the new
//   hold expires no later than it: a changed quantity keeps the time left, and releasing just
//   before expiry to re-reserve gains no time;
// - from that moment, for `cooldownMs(holdSeconds)`, the session's reserves on the SKU are
//   refused (429 `hold_cooldown`, Retry-After): the units are everyone else's first.
// Derived from the stored ended holds after a restart (their `expires_at`), so only the part of
// a cool-down that a hold ending after its `expiresAt` adds (a late failed payment) can be lost.

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

/** Below this many sessions the map is never swept. */
const SWEEP_MIN_SIZE = 1024;

export class HoldCooldowns {
	/** Per session: until when its last unpaid hold held the units (see above). */
	private readonly heldUntil = new Map<string, number>();
	/** The size at which `ended` next drops the sessions whose cool-down is over. */
	private sweepAtSize = SWEEP_MIN_SIZE;

	constructor(ended: Iterable<[sessionId: string, heldUntilMs: number]> = []) {
		for (const [session, atMs] of ended) this.remember(session, atMs);
	}

	/**
	 * A hold of `sessionId` ended unpaid at `nowMs`; it held its units until `heldUntilMs`.
	 * Sessions whose cool-down is over are dropped once the map doubles: amortised O(1), and
	 * the map never holds more than twice the sessions of the last cool-down.
	 */
	ended(sessionId: string, heldUntilMs: number, nowMs: number, coolMs: number): void {
		this.remember(sessionId, heldUntilMs);
		if (this.heldUntil.size < this.sweepAtSize) return;
		for (const [session, until] of this.heldUntil)
			if (until + coolMs <= nowMs) this.heldUntil.delete(session);
		this.sweepAtSize = Math.max(SWEEP_MIN_SIZE, 2 * this.heldUntil.size);
	}

	private remember(sessionId: string, heldUntilMs: number): void {
		const before = this.heldUntil.get(sessionId);
		if (before === undefined || heldUntilMs > before) this.heldUntil.set(sessionId, heldUntilMs);
	}

	verdict(sessionId: string, nowMs: number, coolMs: number): CooldownVerdict {
		const until = this.heldUntil.get(sessionId);
		if (until === undefined) return { kind: "free" };
		if (nowMs < until) return { kind: "capped", expiresAtMs: until };
		if (nowMs < until + coolMs) return { kind: "cooling", retryAtMs: until + coolMs };
		// Over: forgotten, so the map holds only the sessions of the last minute or so.
		this.heldUntil.delete(sessionId);
		return { kind: "free" };
	}

	/** A reset starts a new drop: nothing of the old one's holds carries over. */
	clear(): void {
		this.heldUntil.clear();
	}

	get size(): number {
		return this.heldUntil.size;
	}
}
