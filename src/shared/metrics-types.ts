// Wire types of a SKU's reserve-path metrics (docs/api.md; GET /api/admin/products/:sku/metrics):
// latency percentiles, one point per second, a window summed. Part of the contract's types
// (types.ts re-exports them); nothing here may import Workers or DOM types.

/** Reserve-path latency percentiles in ms, read from a fixed-bucket histogram (null without samples). */
export interface LatencyPercentiles {
	latencyMsP50: number | null;
	latencyMsP95: number | null;
	latencyMsP99: number | null;
	/** The reserve request as the edge saw it, arrival to answer (edge answers included). */
	edgeLatencyMsP50: number | null;
	edgeLatencyMsP95: number | null;
	edgeLatencyMsP99: number | null;
}

/** One second of a SKU's reserve path (src/domain/timeseries.ts). */
export interface MetricsPoint extends LatencyPercentiles {
	/** Start of the second, ISO 8601. */
	at: string;
	attempts: number;
	rejected: number;
}

/** A span of seconds summed: rates per second of the span, percentiles over all its samples. */
export interface MetricsWindow extends LatencyPercentiles {
	attemptsPerSec: number;
	rejectionsPerSec: number;
	/** Rejections in the window by reason (the stats' `rejected` keys). */
	rejectedByCode: Record<string, number>;
}

/** GET /api/admin/products/:sku/metrics (src/inventory/metrics.ts). */
export interface SkuMetrics {
	sku: string;
	resolutionSeconds: 1;
	/** One point per second, oldest first; latency is null in a second without a decided attempt. */
	series: MetricsPoint[];
	window: MetricsWindow;
}
