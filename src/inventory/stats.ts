// A SKU's stats (GET …/stats, docs/api.md) as its objects assemble them: counters
// computed from the hold records themselves, never from the cached counters, with
// the waiting room's figures and the fairness figures (inventory/fairness.ts). A
// split SKU's shards send their counters to the coordinator, which adds them up
// (inventory/split-sku-views.ts).

import { coverageAcross, type GuardCoverage, type SessionSummary } from "../domain/fairness.ts";
import type { Inventory } from "../domain/inventory.ts";
import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import type { AddressRefusals, LiveFeedStats, RoomShardCalls } from "../shared/types.ts";
import { fairnessStats, sessionSummaries, storedTicketReaders } from "./fairness.ts";
import type { LivePlaces } from "./live-places.ts";
import type { StoredReads } from "./readers.ts";
import { unitsFromRecords } from "./records.ts";
import type { ShardCounters, StatsResult } from "./rpc.ts";
import { mergedFairness, mergedStats } from "./split-sku-views.ts";
import type { DecisionCounts } from "./state-writer.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** What an object's stats are read from. */
export interface StatsSource {
	sql: SqlStorage;
	guard: ReserveGuard;
	/** The stored reads in memory (inventory/readers.ts): the ticket holders' reads. */
	reads: StoredReads;
	room: RoomKeeper;
	/** The bot signals run with the rate limits; the fairness figures say when they did not. */
	signalsOn: boolean;
	counts: DecisionCounts;
	/** The live feed's open sockets by address (inventory/live-places.ts): a split SKU's shards have none. */
	livePlaces: () => LivePlaces;
	/** What the reserve guard's memory covers (inventory/fairness.ts GuardSpan). */
	coverage: () => GuardCoverage;
}

/**
 * The refusals at the per-address caps outside the reserve path, counted by the object that keeps
 * the feed and the room (a split SKU's coordinator): never reserve attempts, so never in `rejected`.
 */
function addressRefusals(counts: DecisionCounts): AddressRefusals {
	return { liveFeed: counts.liveFeedAddressRefused, roomJoin: counts.roomJoinAddressRefused };
}

/**
 * The live feed's places now and what it closed or refused since the last reset, counted by the
 * object that keeps the feed (a split SKU's coordinator), so never a sum over shards.
 */
function liveStats(src: StatsSource): LiveFeedStats {
	return {
		...src.livePlaces(),
		idleClosed: src.counts.liveIdleClosed,
		floodClosed: src.counts.liveFloodClosed,
		refusedFull: src.counts.liveRefusedFull,
		refusedAddress: src.counts.liveFeedAddressRefused,
		refusedCoolDown: src.counts.liveRefusedCoolDown,
	};
}

/** A SKU in one object (or a shard's own view): its counters from the hold records. */
export function objectStats(src: StatsSource, inv: Inventory, now: number): StatsResult {
	const { reserved, sold } = unitsFromRecords(src.sql);
	const queue = src.room.stats(now);
	const total = inv.product.totalStock;
	return {
		ok: true,
		stats: {
			sku: inv.product.sku,
			total,
			available: total - reserved - sold,
			reserved,
			sold,
			oversellCount: Math.max(0, sold + reserved - total),
			attempts: inv.attempts,
			rejected: { ...inv.rejected },
			decisions: src.counts.decisions,
			commits: src.counts.commits,
			edgeAnswered: src.counts.edgeAnswered,
			addressRefusals: addressRefusals(src.counts),
			live: liveStats(src),
			...(queue !== undefined ? { queue } : {}),
			fairness: fairnessStats(
				src.sql,
				src.guard,
				src.room.room,
				() => src.reads.all(),
				src.signalsOn,
				src.coverage(),
			),
			asOf: new Date(now).toISOString(),
		},
	};
}

/**
 * A shard's counters for the coordinator's whole-SKU views (from the hold records, as stats);
 * `withSessions` (a stats read): with its per-session summary for the fairness figures.
 */
export function shardCounters(
	src: StatsSource,
	inv: Inventory,
	index: number,
	withSessions: boolean,
): ShardCounters {
	const { reserved, sold } = unitsFromRecords(src.sql);
	return {
		index,
		allotment: inv.product.totalStock,
		reserved,
		sold,
		attempts: inv.attempts,
		rejected: { ...inv.rejected },
		decisions: src.counts.decisions,
		commits: src.counts.commits,
		edgeAnswered: src.counts.edgeAnswered,
		...(withSessions ? { sessions: sessionsOf(src), coverage: src.coverage() } : {}),
	};
}

/** What the fairness figures know of each session of this object, as a stats read gathers it. */
export function sessionsOf(src: StatsSource): SessionSummary[] {
	const ticketReaders = storedTicketReaders(src.room.room, () => src.reads.all());
	return sessionSummaries(src.sql, src.guard, ticketReaders);
}

/**
 * A split SKU's coordinator: the whole SKU from every shard's counters (`counters`,
 * gathered once nothing is in flight, asked from the shards at `askedMs`), with the room's
 * calls between the objects.
 */
export function splitStats(
	src: StatsSource,
	sku: string,
	escrow: { total(): number | null; pool(): number },
	counters: ShardCounters[],
	roomCalls: RoomShardCalls | null,
	now: number,
	askedMs: number,
): StatsResult {
	const roomStats = src.room.stats(now);
	const queue =
		roomStats === undefined || roomCalls === null
			? roomStats
			: { ...roomStats, shardCalls: { ...roomCalls } };
	return {
		ok: true,
		stats: {
			...mergedStats(sku, escrow.total() ?? 0, escrow.pool(), counters),
			// The coordinator keeps the feed and the room: its own counts are the whole SKU's.
			addressRefusals: addressRefusals(src.counts),
			live: liveStats(src),
			...(queue !== undefined ? { queue } : {}),
			fairness: {
				...mergedFairness(src.room.room, counters, src.signalsOn),
				// Since the latest start among the objects (decision 193).
				...coverageAcross(
					src.coverage(),
					counters.map((c) => c.coverage),
				),
			},
			asOf: new Date(askedMs).toISOString(),
		},
	};
}
