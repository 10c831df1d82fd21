// The live feed of a SKU split across shards (docs/api.md: GET …/live;
// docs/decisions/020-escrow-shards.md). The coordinator does not see the other
// shards' changes, so while live viewers are connected it merges the shards every
// LIVE_POLL_MS (K − 1 calls; each shard counts its live and paid holds from the index
// holds_by_status_expiry, never its ended ones: docs/decisions/088-ended-holds-and-replays.md)
// and tells the feed (inventory/live.ts)
// when the counters moved. With no viewer left the polling stops, and the object
// may hibernate again.

import type { Availability } from "../shared/types.ts";

/** How often a split SKU's coordinator merges its shards while live viewers watch: the feed's own pace. */
export const LIVE_POLL_MS = 100;

export interface LivePollHost {
	/** True while this object is a split SKU's coordinator with live viewers connected. */
	watched(): boolean;
	/** The last merged availability (inventory/split-coordinator.ts). */
	lastMerged(): Availability | null;
	/** Merges the shards now. */
	merge(): Promise<Availability>;
	/** Tells the live feed the counters moved. */
	changed(): void;
}

export class ShardsLivePoll {
	private timer: ReturnType<typeof setTimeout> | null = null;

	constructor(private readonly host: LivePollHost) {}

	/** After a viewer connected: polls until none is left (one poll at a time). */
	start(): void {
		if (this.timer !== null) return;
		let last = liveKey(this.host.lastMerged());
		const tick = async () => {
			this.timer = null;
			if (!this.host.watched()) return;
			try {
				const now = liveKey(await this.host.merge());
				if (now !== last) {
					last = now;
					this.host.changed();
				}
			} catch (error) {
				console.warn("live: merging the shards failed", String(error));
			}
			this.timer ??= setTimeout(() => void tick(), LIVE_POLL_MS);
		};
		this.timer = setTimeout(() => void tick(), LIVE_POLL_MS);
	}
}

/** The counters a live viewer sees, without the timestamp (which changes on every merge). */
function liveKey(a: Availability | null): string {
	return a === null ? "" : `${a.total}/${a.available}/${a.reserved}/${a.sold}/${a.status}`;
}
