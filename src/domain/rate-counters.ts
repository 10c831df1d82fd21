// Rate-limit counters (docs/rate-limits.md: FR-7's layers and tiers, the
// demo's throttles, a token bucket at the edge). Pure: no Workers imports and no clock — every call takes
// `nowMs`, so tests drive them with an injected clock and the same code runs in
// the Worker, in the SKU object and in the limiter object.
//
// Two shapes, each used where its promise is the one the contract makes:
// - SlidingWindow: "at most N per window", strictly — the per-session reserve
//   limit (200/min) and the reset limit (docs/api.md: one a minute).
// - TokenBucket: "N per window sustained, bursts up to N" — the per-IP edge
//   limits (FR-7 layer 1), O(1) memory per key.
// Both answer a refusal with the exact time after which the same call succeeds,
// so the Retry-After built from it is honest.

export type Decision = { ok: true } | { ok: false; retryAfterMs: number };

const ALLOWED: Decision = { ok: true };
/** Float slack: refills computed from a Retry-After land on 0.999… instead of 1. */
const TOKEN_EPSILON = 1e-9;

/** Slots per window: an attempt stops counting within one slot (1/60 of the window) after the window. */
export const WINDOW_SLOTS = 60;

/**
 * Counts hits in the last `windowMs`, in WINDOW_SLOTS slots plus the current
 * partial one. Strict: a hit keeps counting until the whole slot it fell in is
 * older than the window, so no span of `windowMs` ever holds more than `limit`
 * accepted hits; the price is that a hit may count up to one slot longer.
 * Refused hits are not counted: retrying never pushes the answer further out.
 */
export class SlidingWindow {
	private readonly counts: Uint32Array;
	private lastSlot = Number.NEGATIVE_INFINITY;
	private total = 0;
	readonly windowMs: number;

	// No parameter properties here: Node runs this file with type stripping only (the CLI).
	constructor(windowMs: number) {
		if (!(windowMs > 0)) throw new RangeError("windowMs must be positive");
		this.windowMs = windowMs;
		this.counts = new Uint32Array(WINDOW_SLOTS + 1);
	}

	/** Counts one hit if fewer than `limit` are in the window. */
	hit(nowMs: number, limit: number): Decision {
		const slot = this.advance(nowMs);
		if (this.total < limit) {
			const at = slot % this.counts.length;
			this.counts[at] = (this.counts[at] ?? 0) + 1;
			this.total += 1;
			return ALLOWED;
		}
		return { ok: false, retryAfterMs: this.freeAtMs(slot, limit) - nowMs };
	}

	/** Accepted hits still in the window at `nowMs`. */
	count(nowMs: number): number {
		this.advance(nowMs);
		return this.total;
	}

	/** Drops the slots that left the window; returns the current slot. A clock that steps back is held. */
	private advance(nowMs: number): number {
		// Integer arithmetic first: windowMs / WINDOW_SLOTS is rarely a whole number of ms.
		const slot = Math.max(Math.floor((nowMs * WINDOW_SLOTS) / this.windowMs), this.lastSlot);
		const n = this.counts.length;
		if (slot - this.lastSlot >= n) {
			this.counts.fill(0);
			this.total = 0;
		} else {
			for (let s = this.lastSlot + 1; s <= slot; s++) {
				this.total -= this.counts[s % n] ?? 0;
				this.counts[s % n] = 0;
			}
		}
		this.lastSlot = slot;
		return slot;
	}

	/** When enough of the oldest slots have left the window for one more hit to fit. */
	private freeAtMs(slot: number, limit: number): number {
		const n = this.counts.length;
		let remaining = this.total;
		for (let s = slot - n + 1; s <= slot; s++) {
			remaining -= this.counts[((s % n) + n) % n] ?? 0;
			// Slot s leaves the window when the current slot reaches s + n.
			if (remaining < limit) return this.slotStartMs(s + n);
		}
		// limit <= 0: nothing ever fits; a window from now is the honest upper answer.
		return this.slotStartMs(slot + n);
	}

	/** The first whole millisecond of a slot (rounded up, so a retry then is inside it). */
	private slotStartMs(slot: number): number {
		return Math.ceil((slot * this.windowMs) / WINDOW_SLOTS);
	}
}

/**
 * Capacity `limit`, refilled continuously at `limit` per `windowMs`. Both are
 * passed on every call so a configuration change applies at once.
 */
export class TokenBucket {
	private tokens: number;
	private updatedAtMs: number;

	constructor(limit: number, nowMs: number) {
		this.tokens = limit;
		this.updatedAtMs = nowMs;
	}

	/** A bucket as it was stored (`state()`), for a counter kept outside memory. */
	static restored(tokens: number, updatedAtMs: number): TokenBucket {
		const bucket = new TokenBucket(0, updatedAtMs);
		bucket.tokens = tokens;
		return bucket;
	}

	/** What to store to restore this bucket later. */
	state(): { tokens: number; updatedAtMs: number } {
		return { tokens: this.tokens, updatedAtMs: this.updatedAtMs };
	}

	/** Takes one token if there is a whole one. */
	take(nowMs: number, limit: number, windowMs: number): Decision {
		const tokens = this.refill(nowMs, limit, windowMs);
		if (tokens >= 1 - TOKEN_EPSILON) {
			this.tokens = Math.max(0, tokens - 1);
			return ALLOWED;
		}
		if (limit <= 0) return { ok: false, retryAfterMs: windowMs };
		return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) * windowMs) / limit) };
	}

	/**
	 * Counts one request already served, whether or not a token was there: the bucket may go
	 * into debt, at most `limit` deep (one window's refill), and refuses until it is repaid. For
	 * a request judged only after its answer (middleware/ratelimit.ts): requests in flight
	 * together all passed the check before any was counted, and a take that refused them
	 * afterwards would count none of them past the first empty bucket.
	 */
	charge(nowMs: number, limit: number, windowMs: number): void {
		this.tokens = Math.max(-limit, this.refill(nowMs, limit, windowMs) - 1);
	}

	/** True when a `take` now would succeed; changes nothing. */
	wouldAllow(nowMs: number, limit: number, windowMs: number): boolean {
		return this.refill(nowMs, limit, windowMs) >= 1 - TOKEN_EPSILON;
	}

	/** True once the bucket is full again: the key can be forgotten without changing any answer. */
	isFull(nowMs: number, limit: number, windowMs: number): boolean {
		return this.refill(nowMs, limit, windowMs) >= limit - TOKEN_EPSILON;
	}

	private refill(nowMs: number, limit: number, windowMs: number): number {
		const elapsed = Math.max(0, nowMs - this.updatedAtMs);
		this.updatedAtMs = Math.max(nowMs, this.updatedAtMs);
		this.tokens = Math.min(limit, this.tokens + (elapsed * limit) / windowMs);
		return this.tokens;
	}
}

/** Retry-After is whole seconds (RFC 9110); rounding up keeps it honest, and it is never 0. */
export function retryAfterSeconds(retryAfterMs: number): number {
	return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/**
 * A bounded map of per-key state for in-memory limiters. Least recently used
 * keys are dropped first; dropping forgets a key's history, which can only make
 * a later answer more lenient, never wrongly refuse.
 */
export class BoundedMap<V> {
	private readonly map = new Map<string, V>();
	readonly maxKeys: number;

	constructor(maxKeys: number) {
		this.maxKeys = maxKeys;
	}

	get size(): number {
		return this.map.size;
	}

	/** The key's state, created with `make` if absent; marks it most recently used. */
	use(key: string, make: () => V): V {
		let value = this.map.get(key);
		if (value !== undefined) {
			this.map.delete(key);
		} else {
			value = make();
			if (this.map.size >= this.maxKeys) {
				const oldest = this.map.keys().next().value;
				if (oldest !== undefined) this.map.delete(oldest);
			}
		}
		this.map.set(key, value);
		return value;
	}

	peek(key: string): V | undefined {
		return this.map.get(key);
	}

	/** Every key and value, least recently used first; does not mark them used. */
	entries(): IterableIterator<[string, V]> {
		return this.map.entries();
	}

	delete(key: string): void {
		this.map.delete(key);
	}

	clear(): void {
		this.map.clear();
	}
}
