// What the SKU object remembers of attempts the edge may send twice (docs/hot-path.md,
// "Edge coalescing"). A coalesced attempt travels in its leader's batch; if the
// leader's answer does not reach the waiter in time, the waiter sends the very
// same attempt (same id) itself. The first decision of an attempt id is the only
// one: a repeat is answered with it and changes nothing (no second hold, no
// second count against the session's limits).
//
// Memory only, bounded in age and count: an attempt id is minted per request at
// the edge and repeated at most once, within COALESCE_GUARD_MS plus one call, so
// a few seconds cover every repeat. After a restart (or an eviction) the hold
// itself, found by its id, answers a repeat of a successful attempt; a repeated
// rejection is decided again, which takes nothing that the first one took.
// Pure: the clock is the caller's.

/** How long a decided attempt is answered again. Well past the edge's guard time plus one call. */
export const ATTEMPT_MEMO_MS = 10_000;
/** Attempts remembered at most; beyond it the oldest is forgotten first. */
export const MAX_ATTEMPT_MEMO = 100_000;

export class AttemptMemo<R> {
	/** Insertion order is decision order, so the oldest entries are always first. */
	private readonly entries = new Map<string, { result: R; atMs: number }>();

	constructor(
		private readonly keepMs = ATTEMPT_MEMO_MS,
		private readonly maxEntries = MAX_ATTEMPT_MEMO,
	) {}

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
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
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
	clear(): void {
		this.entries.clear();
	}
}
