// The live feed of a SKU split across shards (docs/api.md: GET …/live;
// docs/decisions/020-escrow-shards.md). The coordinator does not see the other
// shards' changes, so while live viewers are connected it merges the shards every
// LIVE_POLL_MS (K − 1 calls; each shard counts its live and paid holds from the index
// holds_by_status_expiry, never its ended ones: docs/decisions/088-ended-holds-and-replays.md)
// and tells the feed (inventory/live.ts)
// when the counters moved. While only silent viewers watch (nothing heard from any for the idle
// bound: listen-only clients, tabs in the background) it merges every LIVE_SILENT_POLL_MS
// instead, so a forgotten tab does not keep it asking its shards ten times a second
// (docs/decisions/148-a-listen-only-feed-kept.md). With no viewer left the polling stops, and
// the object may hibernate again.
// The polling is a timer, which dies with the object (an eviction, a restart) while the viewers'
// hibernated sockets stay open, and a change on another shard never calls the coordinator: so
// while viewers watch, the object's alarm is kept at most LIVE_WAKE_MS ahead, and an object that
// loads with sockets open polls again (docs/decisions/150-a-coordinator-restarted-with-viewers.md).

import type { Availability } from "../shared/types.ts";
import type { Watchers } from "./live.ts";

/** How often a split SKU's coordinator merges its shards while live viewers watch: the feed's own pace. */
export const LIVE_POLL_MS = 100;
/**
 * How often it merges while only silent viewers watch: the longest a change on another shard
 * waits to reach a listen-only client (docs/api.md, GET …/live). A viewer's message (an ask, an
 * upgrade) brings back LIVE_POLL_MS at once; a keep-alive, which the object does not see, at the
 * next merge.
 */
export const LIVE_SILENT_POLL_MS = 5_000;
/**
 * While viewers watch, the coordinator's alarm is due at most this far ahead: the longest its
 * viewers wait for a merge after the object was evicted or restarted with their sockets open.
 * The alarm is set again only once it has run (one storage write and one alarm run per 10 s per
 * watched split SKU, against (K − 1) calls per merge).
 */
export const LIVE_WAKE_MS = 10_000;

export interface LivePollHost {
	/** Who watches this split SKU's coordinator's feed ("none" for an object that is not one). */
	watchers(): Watchers;
	/** The last merged availability (inventory/split-coordinator.ts). */
	lastMerged(): Availability | null;
	/** Merges the shards now. */
	merge(): Promise<Availability>;
	/** Tells the live feed the counters moved. */
	changed(): void;
	/** Has the object's alarm due no later than `atMs` (it moves an alarm earlier only). */
	wakeBy(atMs: number): void;
}

export class ShardsLivePoll {
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** The wait now pending is the silent viewers' (LIVE_SILENT_POLL_MS). */
	private slow = false;
	/** A merge is in flight: its tick schedules the next. */
	private merging = false;
	/** The counters the viewers were last told of. */
	private last = "";

	constructor(private readonly host: LivePollHost) {}

	/**
	 * After a viewer connected or asked: polls until none is left (one poll at a time), and a
	 * silent viewers' wait is cut to LIVE_POLL_MS.
	 */
	start(): void {
		// During a merge: its tick looks at the viewers again once it is done.
		if (this.merging) return;
		if (this.timer !== null && this.slow) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		if (this.timer !== null) return;
		this.last = liveKey(this.host.lastMerged());
		this.wait(LIVE_POLL_MS);
	}

	/**
	 * When the object's alarm must come at the latest (LIVE_WAKE_MS from `nowMs`) while anyone
	 * watches, for the alarm's own run to set it again (inventory/deadlines.ts); null with nobody.
	 */
	wakeMs(nowMs: number): number | null {
		return this.host.watchers() === "none" ? null : nowMs + LIVE_WAKE_MS;
	}

	/** The pace of the next merge: "fast" every LIVE_POLL_MS, "slow", or "stopped". */
	pace(): "fast" | "slow" | "stopped" {
		if (this.timer === null && !this.merging) return "stopped";
		return this.slow ? "slow" : "fast";
	}

	private wait(ms: number): void {
		this.slow = ms !== LIVE_POLL_MS;
		this.timer = setTimeout(() => void this.tick(), ms);
	}

	private async tick(): Promise<void> {
		this.timer = null;
		if (this.host.watchers() === "none") return;
		this.merging = true;
		try {
			const now = liveKey(await this.host.merge());
			if (now !== this.last) {
				this.last = now;
				this.host.changed();
			}
		} catch (error) {
			console.warn("live: merging the shards failed", String(error));
		} finally {
			this.merging = false;
		}
		if (this.timer !== null) return;
		// Asked again after the merge: a viewer heard from meanwhile (an ask, an upgrade) counts.
		const watchers = this.host.watchers();
		if (watchers === "none") return;
		this.wait(watchers === "silent" ? LIVE_SILENT_POLL_MS : LIVE_POLL_MS);
		// Should this timer die with the object, the alarm brings the merges back.
		this.host.wakeBy(Date.now() + LIVE_WAKE_MS);
	}
}

/** The counters a live viewer sees, without the timestamp (which changes on every merge). */
function liveKey(a: Availability | null): string {
	return a === null ? "" : `${a.total}/${a.available}/${a.reserved}/${a.sold}/${a.status}`;
}
