// What the latency card's figures leave out (GET …/metrics, docs/api.md; decision 158): a split
// drop's shards that did not answer the read (`missingShards`), and the seconds before an object
// of the drop started (`historyFrom`: a restart loses that object's history, which is its memory)
// when another object counted attempts in them (decision 169). Pure: no DOM, no Preact.

import type { SkuMetrics } from "../../shared/types.ts";
import { time } from "../lib/format.ts";

/** The sentence under the card, or null when the figures hold every object's seconds of the span. */
export function metricsGapsLine(metrics: SkuMetrics): string | null {
	const parts: string[] = [];
	const missing = metrics.missingShards ?? [];
	if (missing.length > 0) {
		const names = missing.map(String).join(", ");
		const which =
			missing.length === 1
				? `Shard ${names} did not answer this read: its`
				: `Shards ${names} did not answer this read: their`;
		parts.push(`${which} decisions are not in these figures.`);
	}
	if (lacksAnObjectsSeconds(metrics)) {
		parts.push(
			`Before ${time(metrics.historyFrom as string)} the figures lack an object of this drop that started then (a restart starts its history afresh).`,
		);
	}
	return parts.length === 0 ? null : parts.join(" ");
}

/**
 * Whether the series shows seconds that lack an object's part: some object counted attempts before
 * `historyFrom`, the latest start among the objects added up, so one that started later knows
 * nothing of seconds the drop was busy in (a split drop's shard restarted). An object's start
 * alone says nothing was lost: every new SKU, a fresh server, an object woken from idle starts
 * within the span with nothing before it, and the card's own note says that a restart starts the
 * history afresh (docs/decisions/169-review-29s-findings.md).
 */
function lacksAnObjectsSeconds(metrics: SkuMetrics): boolean {
	if (metrics.historyFrom === undefined) return false;
	const fromMs = Date.parse(metrics.historyFrom);
	// A point's `at` is its second's start and `historyFrom` the object's start to the millisecond:
	// the second the object started in holds its own first attempts (a SKU reserved as it is made,
	// an object woken by a reserve), so only seconds that ended by the start are before it.
	const secondMs = metrics.resolutionSeconds * 1000;
	return metrics.series.some(
		(p) => Date.parse(p.at) + secondMs <= fromMs && (p.attempts > 0 || p.rejected > 0),
	);
}
