// What the latency card's figures leave out (GET …/metrics, docs/api.md; decision 158): a split
// drop's shards that did not answer the read (`missingShards`), and the seconds before an object
// of the drop started (`historyFrom`: a restart loses that object's history, which is its memory).
// Pure: no DOM, no Preact.

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
	const first = metrics.series[0];
	const fromMs = metrics.historyFrom === undefined ? Number.NaN : Date.parse(metrics.historyFrom);
	if (first !== undefined && fromMs > Date.parse(first.at)) {
		parts.push(
			`Before ${time(metrics.historyFrom as string)} the figures lack an object of this drop that started then (a restart starts its history afresh).`,
		);
	}
	return parts.length === 0 ? null : parts.join(" ");
}
