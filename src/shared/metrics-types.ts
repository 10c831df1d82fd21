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

/** Requests refused because one client address already held its share (docs/api.md, stats). */
export interface AddressRefusals {
	/** Live feed upgrades refused 429: the address held MAX_LIVE_SOCKETS_PER_ADDRESS sockets. */
	liveFeed: number;
	/**
	 * Waiting-room joins refused 429: the address held its places in the room,
	 * RATE_LIMIT_ROOM_TICKETS for an IPv6 prefix or RATE_LIMIT_ROOM_TICKETS_IPV4 for an IPv4 address.
	 */
	roomJoin: number;
}

/**
 * What the live feed closed or refused (docs/decisions/170-the-feeds-flood-closes-and-cool-down-refusals-counted.md),
 * counted by the object that keeps the feed (a split SKU's coordinator): the stats' `live` counts,
 * and per second in the metrics series. Sockets and upgrades, never reserve attempts.
 */
export interface LiveFeedCounts {
	/** Sockets closed 4408 because nothing was heard for LIVE_IDLE_SECONDS and their place was wanted. */
	idleClosed: number;
	/** Sockets closed 4429 for sending more asks than the feed takes (5 at once, then 1 a second). */
	floodClosed: number;
	/** Upgrades refused 503: the feed held MAX_LIVE_SOCKETS sockets and none was silent. */
	refusedFull: number;
	/** Upgrades refused 429 at MAX_LIVE_SOCKETS_PER_ADDRESS: the same count as `addressRefusals.liveFeed`. */
	refusedAddress: number;
	/** Upgrades refused 429 because a socket of the same address was closed 4429 within the last 5 s. */
	refusedCoolDown: number;
}

/** One second of a SKU's reserve path (src/domain/timeseries.ts). */
export interface MetricsPoint extends LatencyPercentiles {
	/** Start of the second, ISO 8601. */
	at: string;
	attempts: number;
	rejected: number;
	/**
	 * Refusals at the per-address caps in that second: not reserve attempts, never in `attempts`
	 * or `rejected` (the stats' `addressRefusals`). Absent from an older server.
	 */
	addressRefusals?: AddressRefusals;
	/** The live feed's closes and refused upgrades in that second (not attempts). Absent from an older server. */
	live?: LiveFeedCounts;
}

/** A span of seconds summed: rates per second of the span, percentiles over all its samples. */
export interface MetricsWindow extends LatencyPercentiles {
	attemptsPerSec: number;
	rejectionsPerSec: number;
	/** Rejections in the window by reason (the stats' `rejected` keys). */
	rejectedByCode: Record<string, number>;
	/** Refusals at the per-address caps in the window (not reserve attempts). Absent from an older server. */
	addressRefusals?: AddressRefusals;
	/** The live feed's closes and refused upgrades in the window, as counts. Absent from an older server. */
	live?: LiveFeedCounts;
}

/** GET /api/admin/products/:sku/metrics (src/inventory/metrics.ts). */
export interface SkuMetrics {
	sku: string;
	resolutionSeconds: 1;
	/**
	 * The objects the SKU is split across: 1, or a split SKU's shard count, whose every shard's
	 * decisions the series adds up on the read. Absent from an older server.
	 */
	shards?: number;
	/**
	 * A split SKU's shards (indexes, 1..shards − 1) that did not answer this read: their
	 * decisions are not in the figures. Absent when every shard's are.
	 */
	missingShards?: number[];
	/**
	 * The series is whole from this moment (ISO 8601): the latest start among the objects it adds
	 * up. An object's history is its memory: it knows nothing of the seconds before it started (a
	 * deploy, a crash, an eviction while idle), so those seconds count none of its attempts.
	 * Absent from an older server.
	 */
	historyFrom?: string;
	/** One point per second, oldest first; latency is null in a second without a decided attempt. */
	series: MetricsPoint[];
	window: MetricsWindow;
}
