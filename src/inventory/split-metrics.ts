// A split SKU's metrics read at its coordinator (docs/metrics.md, "A split SKU";
// docs/decisions/153-split-sku-metrics.md, 158-a-split-skus-metrics-and-its-shards.md): every
// shard's seconds of the span, gathered once for all the reads of the next METRICS_REUSE_MS, and
// the figures of the shards that answered when one did not.

import type { RingSecond } from "../domain/timeseries.ts";
import { type HistoryPart, type MetricsReport, mergedMetrics } from "./metrics.ts";

/**
 * A gathering of every shard's seconds answers the metrics reads of this long after it: two
 * consoles polling every 2 s (src/web/console/useDrop.ts) cost one set of K − 1 shard calls, and
 * an answer is at most this much older than the read (its series ends at the gathering's second).
 */
export const METRICS_REUSE_MS = 1000;

/**
 * The coordinator's own seconds of a span, whole: its decisions, the edge's tallies and the
 * per-address refusals, which reach it alone.
 */
export type OwnSeconds = (nowMs: number, seconds: number) => HistoryPart;

/** A shard's answer: a part; null before its first grant; an older server's, its seconds alone. */
export type ShardPart = HistoryPart | RingSecond[] | null;

/** Every shard's seconds of a span ending at `nowMs`, shard 0's first; null for a shard that did not answer. */
interface Gathered {
	nowMs: number;
	seconds: number;
	parts: (HistoryPart | null)[];
}

export class SplitMetrics {
	private last: { nowMs: number; seconds: number; gathered: Promise<Gathered> } | null = null;

	/** `other`: one other shard's decided seconds, asked at once for each of 1..K − 1. */
	constructor(
		private readonly other: (index: number, nowMs: number, seconds: number) => Promise<ShardPart>,
	) {}

	/**
	 * The whole SKU's last `seconds` (K objects). A gathering of the last METRICS_REUSE_MS that
	 * covers the span answers it, also while its calls are in flight; its series ends at that
	 * gathering's second. A shard that fails its call is left out and named in `missingShards`.
	 */
	async read(
		sku: string,
		shards: number,
		seconds: number,
		nowMs: number,
		own: OwnSeconds,
	): Promise<MetricsReport> {
		const last = this.last;
		const reusable =
			last !== null &&
			nowMs >= last.nowMs &&
			nowMs - last.nowMs < METRICS_REUSE_MS &&
			last.seconds >= seconds;
		const gathered = reusable ? last.gathered : this.gather(shards, seconds, nowMs, own);
		if (!reusable) this.last = { nowMs, seconds, gathered };
		const g = await gathered;
		const missing: number[] = [];
		g.parts.forEach((part, index) => {
			if (part === null) missing.push(index);
		});
		const answered = g.parts.filter((part): part is HistoryPart => part !== null);
		const sinceMs = Math.max(...answered.map((part) => part.sinceMs));
		const parts = answered.map((part) => part.seconds);
		return mergedMetrics(sku, g.nowMs, seconds, parts, { shards, missing, sinceMs });
	}

	private async gather(
		shards: number,
		seconds: number,
		nowMs: number,
		ownSeconds: OwnSeconds,
	): Promise<Gathered> {
		const own = ownSeconds(nowMs, seconds);
		const others = await Promise.allSettled(
			Array.from({ length: shards - 1 }, (_, i) => this.other(i + 1, nowMs, seconds)),
		);
		const parts = others.map((r, i) => {
			if (r.status === "fulfilled") return asPart(r.value);
			console.warn(`metrics: shard ${String(i + 1)} did not answer`, String(r.reason));
			return null;
		});
		return { nowMs, seconds, parts: [own, ...parts] };
	}
}

/** A shard's answer as a part: one without its first grant has decided nothing since it started. */
function asPart(answer: ShardPart): HistoryPart {
	if (answer === null) return { seconds: [], sinceMs: 0 };
	return Array.isArray(answer) ? { seconds: answer, sinceMs: 0 } : answer;
}
