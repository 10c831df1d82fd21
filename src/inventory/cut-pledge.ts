// The units a shard of a split SKU counted for a cut of totalStock in flight
// (docs/decisions/168-a-refused-split-cut-changes-nothing.md). The coordinator counts every
// shard's free units before it takes any back; each shard keeps what it counted from its
// buyers until the cut takes those units (a give-back "all") or releases them (a refused cut),
// so the count is exactly what the fold back brings and a cut refused on it moves nothing.
// In memory only: a shard that restarts has pledged nothing, and a coordinator that stops
// asking (it restarted mid-cut) frees them after CUT_PLEDGE_MS.

/** How long a shard keeps the units it counted for a cut when the coordinator neither takes nor releases them. */
export const CUT_PLEDGE_MS = 5000;

interface Pledged {
	units: number;
	/** Resolves when the pledge ends (taken, released or timed out). */
	ended: Promise<void>;
	end(): void;
}

/** One shard's pledge to a cut: at most one at a time (the coordinator runs one cut at a time). */
export class CutPledge {
	private current: Pledged | null = null;

	/** Units its buyers cannot take now (0 with no cut in flight). */
	get units(): number {
		return this.current?.units ?? 0;
	}

	/** While units are pledged: resolves when the cut ends; else null. */
	ended(): Promise<void> | null {
		return this.current?.ended ?? null;
	}

	/** Pledges `units` (replacing an earlier pledge). */
	make(units: number): void {
		this.release();
		let resolve = (): void => {};
		const ended = new Promise<void>((r) => {
			resolve = r;
		});
		const pledged: Pledged = {
			units,
			ended,
			end: () => {
				clearTimeout(timer);
				resolve();
			},
		};
		const timer = setTimeout(() => {
			if (this.current === pledged) this.release();
		}, CUT_PLEDGE_MS);
		this.current = pledged;
	}

	/** The cut took or released the units: its buyers may have them again. */
	release(): void {
		const pledged = this.current;
		this.current = null;
		pledged?.end();
	}
}

/**
 * A cut of a split SKU's totalStock that could not be decided now: a shard could not be counted
 * and the others do not cover the cut, or a shard's counted units did not all come back (it
 * restarted mid-cut). Marked `retryable`, so the Worker answers 503 `unavailable` with a
 * Retry-After (worker/app.ts): a shard restarting is not a cut below what is held.
 */
export class CutUndecided extends Error {
	override readonly name = "CutUndecided";
	readonly retryable = true;
}
