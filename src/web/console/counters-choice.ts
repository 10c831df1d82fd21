// Which answer the console's Live counters show: the live socket's frames and the stats
// answers both carry the counters, and the counters must never step back to an older state.
// - A stats answer asked after the last frame arrived is shown (decision 069): the SKU's object
//   answers in order, so it is at least as new as that frame. One in flight while a frame
//   arrived is not (the frame may be the newer).
// - A frame whose `asOf` is older than the `asOf` of the counters shown is not shown (decision
//   079). On a split SKU a frame is the coordinator's merge of its shards, taken up to a live
//   interval before it is sent, while a stats answer asks the shards when it is read: a frame
//   can arrive after a stats answer and hold less. Both `asOf` are the same object's clock (the
//   SKU's object, or a split SKU's coordinator, stamping when it asked the shards).
// Pure: unit-tested in test/unit/console-counters-choice.test.ts.

import type { Availability, Stats } from "../../shared/types.ts";

export class CountersChoice {
	/** Frames shown so far: a stats answer asked before the last one is not newer than it. */
	private frames = 0;
	/** The `asOf` of the counters shown (epoch ms); -Infinity before any. */
	private shownAsOfMs = Number.NEGATIVE_INFINITY;

	/** A live frame arrived: whether the counters show it. */
	frame(a: Availability): boolean {
		const asOfMs = Date.parse(a.asOf);
		if (asOfMs < this.shownAsOfMs) return false;
		this.frames += 1;
		if (!Number.isNaN(asOfMs)) this.shownAsOfMs = asOfMs;
		return true;
	}

	/** A stats read begins: hand what this returns to `stats` with its answer. */
	asking(): number {
		return this.frames;
	}

	/** The stats read begun when `asking()` returned `asked` answered `s`: whether the counters show it. */
	stats(asked: number, s: Stats): boolean {
		if (asked !== this.frames) return false;
		const asOfMs = Date.parse(s.asOf);
		if (Number.isNaN(asOfMs)) return true;
		if (asOfMs < this.shownAsOfMs) return false;
		this.shownAsOfMs = asOfMs;
		return true;
	}
}
