// The fixed-bucket latency histogram of a SKU's per-second history (src/domain/timeseries.ts):
// the buckets' edges, the bucket of a sample, and a percentile read from bucket counts. Pure.

/**
 * Upper bounds (exclusive) of the latency buckets in ms; one more bucket holds
 * everything at or above the last edge. Fine where a decision usually takes,
 * coarse in the tail; a percentile read from them is within one bucket.
 */
export const LATENCY_EDGES_MS: readonly number[] = [
	1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800, 1200, 2000, 3000, 5000, 8000, 12000,
];
export const LATENCY_BUCKETS = LATENCY_EDGES_MS.length + 1;

/** The bucket a latency falls in: the first whose edge is above it, else the last. */
export function latencyBucket(ms: number): number {
	for (let i = 0; i < LATENCY_EDGES_MS.length; i++) {
		if (ms < (LATENCY_EDGES_MS[i] as number)) return i;
	}
	return LATENCY_EDGES_MS.length;
}

/**
 * The q-th percentile (0 < q ≤ 100) of the samples counted in `counts`, read
 * as the upper edge of the bucket holding the sample of that rank (nearest
 * rank), capped at `maxMs` (the largest sample seen, which also answers for
 * the open last bucket). Null without samples.
 */
export function histogramPercentile(
	counts: ArrayLike<number>,
	q: number,
	maxMs: number,
): number | null {
	let total = 0;
	for (let i = 0; i < counts.length; i++) total += counts[i] as number;
	if (total === 0) return null;
	const rank = Math.max(1, Math.ceil((q / 100) * total));
	let seen = 0;
	for (let i = 0; i < counts.length; i++) {
		seen += counts[i] as number;
		if (seen >= rank) {
			const edge = LATENCY_EDGES_MS[i];
			return edge === undefined ? maxMs : Math.min(edge, maxMs);
		}
	}
	return maxMs;
}

/** The exact nearest-rank percentile of raw samples (for tests and comparisons). */
export function exactPercentile(samples: readonly number[], q: number): number | null {
	if (samples.length === 0) return null;
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
	return sorted[rank - 1] as number;
}
