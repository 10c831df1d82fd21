// What the SKU object remembers of attempts the edge may send twice (docs/hot-path/how-it-works.md,
// "Edge coalescing"). A coalesced attempt travels in its leader's batch; if the
// leader's answer does not reach the waiter in time, the waiter sends the very
// same attempt (same id) itself. The first decision of an attempt id is the only
// one: a repeat is answered with it and changes nothing (no second hold, no
// second count against the session's limits).
//
// Memory only, bounded in age and count: an attempt id is minted per request at
// the edge and repeated at most once, within COALESCE_GUARD_MS plus one call, so
// a few seconds cover every repeat. After a restart (or an eviction) the hold
// itself, found by its id, answers a repeat of a successful attempt, and a first
// arrival the memo cannot vouch for (vouchesFor) is looked up the same way; a
// repeated rejection is decided again, which takes nothing that the first one took.
// Pure: the clock is the caller's.

/** How long a decided attempt is answered again. Well past the edge's guard time plus one call. */
export const ATTEMPT_MEMO_MS = 10_000;
/** Attempts remembered at most; beyond it the oldest is forgotten first. */
export const MAX_ATTEMPT_MEMO = 100_000;

/**
 * How far the clock an attempt id was minted by (the edge's, src/worker/ids.ts) may run ahead of
 * the object's. Cloudflare's machines keep their clocks far closer; one machine has one clock.
 */
export const ID_CLOCK_SKEW_MS = 2_000;

export class AttemptMemo<R> {
	/** Insertion order is decision order, so the oldest entries are always first. */
	private readonly entries = new Map<string, { result: R; atMs: number }>();
	/**
	 * Decisions made before this are not all here: those of an earlier life of the object (its
	 * first value, the memo's creation) and those forgotten for the count bound or a clear.
	 */
	private completeSinceMs: number;

	/** `createdAtMs`: when the object that keeps the memo started (its earlier lives' decisions are not here). */
	constructor(
		createdAtMs: number,
		private readonly keepMs = ATTEMPT_MEMO_MS,
		private readonly maxEntries = MAX_ATTEMPT_MEMO,
	) {
		this.completeSinceMs = createdAtMs;
	}

	/**
	 * True when an attempt minted at `mintedAtMs` that is not here was never decided: every
	 * decision that is not here was made before `completeSinceMs` or `keepMs` ago, and an
	 * attempt is decided after it is minted, by clocks at most ID_CLOCK_SKEW_MS apart. A first
	 * arrival the memo vouches for needs no look for a hold stored under its id
	 * (docs/decisions/055-replays-and-the-live-feed.md). Null (an id without a clock) is never
	 * vouched for.
	 */
	vouchesFor(mintedAtMs: number | null, nowMs: number): boolean {
		if (mintedAtMs === null) return false;
		const since = Math.max(this.completeSinceMs, nowMs - this.keepMs);
		return mintedAtMs > since + ID_CLOCK_SKEW_MS;
	}

	get size(): number {
		return this.entries.size;
	}

	/** The first decision of `id`, if it is still remembered at `nowMs`. */
	get(id: string, nowMs: number): R | null {
		const entry = this.entries.get(id);
		if (entry === undefined || nowMs - entry.atMs >= this.keepMs) return null;
		return entry.result;
	}

	/** Records the first decision of `id`; a later `remember` of the same id keeps the first. */
	remember(id: string, result: R, nowMs: number): void {
		if (this.entries.has(id)) return;
		this.entries.set(id, { result, atMs: nowMs });
		if (this.entries.size > this.maxEntries) {
			const oldest = this.entries.entries().next().value;
			if (oldest !== undefined) {
				this.entries.delete(oldest[0]);
				this.completeSinceMs = Math.max(this.completeSinceMs, oldest[1].atMs);
			}
		}
	}

	/** Forgets what ended by `nowMs`: the oldest first, stopping at the first still kept. */
	prune(nowMs: number): void {
		for (const [id, entry] of this.entries) {
			if (nowMs - entry.atMs < this.keepMs) return;
			this.entries.delete(id);
		}
	}

	/** Forgets everything (the SKU was reset: the holds these answers name are gone). */
	clear(nowMs: number): void {
		this.completeSinceMs = Math.max(this.completeSinceMs, nowMs);
		this.entries.clear();
	}
}
