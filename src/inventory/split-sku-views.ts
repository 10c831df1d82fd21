// A split SKU's whole-SKU views, merged from its shards' counters by the coordinator
// (docs/decisions/020-escrow-shards.md). Pure: the object gathers the counters and the
// escrow's totals, these functions only add them up.

import { fairnessAcross, type ServerFairness } from "../domain/fairness.ts";
import type { ProductConfig } from "../domain/inventory.ts";
import type { Availability, Stats } from "../shared/types.ts";
import type { ShardCounters } from "./rpc.ts";

/** A shard whose first grant has not arrived yet holds nothing. */
export function emptyShard(index: number): ShardCounters {
	return {
		index,
		allotment: 0,
		reserved: 0,
		sold: 0,
		attempts: 0,
		rejected: {},
		decisions: 0,
		commits: 0,
		edgeAnswered: 0,
	};
}

function sum(counters: ShardCounters[], f: (c: ShardCounters) => number): number {
	return counters.reduce((n, c) => n + f(c), 0);
}

/** Units in the pool or moving between shards are for sale: they count as available. */
export function mergedAvailability(
	product: ProductConfig,
	total: number,
	counters: ShardCounters[],
	now: number,
): Availability {
	const reserved = sum(counters, (c) => c.reserved);
	const sold = sum(counters, (c) => c.sold);
	const available = total - reserved - sold;
	const started = product.startsAtMs === null || now >= product.startsAtMs;
	return {
		sku: product.sku,
		total,
		available,
		reserved,
		sold,
		status: !started ? "scheduled" : available > 0 ? "live" : "sold_out",
		asOf: new Date(now).toISOString(),
	};
}

/** Stats of the whole SKU with each shard's line; call once nothing is in flight. */
export function mergedStats(
	sku: string,
	total: number,
	pool: number,
	counters: ShardCounters[],
): Omit<Stats, "asOf" | "addressRefusals"> {
	const reserved = sum(counters, (c) => c.reserved);
	const sold = sum(counters, (c) => c.sold);
	const rejected: Record<string, number> = {};
	for (const c of counters) {
		for (const [reason, n] of Object.entries(c.rejected))
			rejected[reason] = (rejected[reason] ?? 0) + n;
	}
	const shardOversell = sum(counters, (c) => Math.max(0, c.reserved + c.sold - c.allotment));
	return {
		sku,
		total,
		available: total - reserved - sold,
		reserved,
		sold,
		oversellCount: Math.max(shardOversell, sold + reserved - total, 0),
		attempts: sum(counters, (c) => c.attempts),
		rejected,
		decisions: sum(counters, (c) => c.decisions),
		commits: sum(counters, (c) => c.commits),
		edgeAnswered: sum(counters, (c) => c.edgeAnswered),
		shards: counters.map((c) => ({
			index: c.index,
			allotment: c.allotment,
			available: c.allotment - c.reserved - c.sold,
			reserved: c.reserved,
			sold: c.sold,
			decisions: c.decisions,
		})),
		pool,
	};
}

/**
 * The whole SKU's fairness figures (docs/waiting-room.md, "Fairness the server can
 * see"): the coordinator's room tickets and every shard's sessions, each counted
 * once, with its units from the shard that holds them and what the shards' guards
 * say of it. The same figures one object would report for the same sessions. What
 * they cover is the objects' guards' (inventory/stats.ts splitStats, coverageAcross).
 */
export function mergedFairness(
	room: { sessionIds(): Iterable<string>; admittedTotal: number } | null,
	counters: ShardCounters[],
	signals: boolean,
): ServerFairness {
	return fairnessAcross(
		room === null ? [] : room.sessionIds(),
		counters.map((c) => c.sessions ?? []),
		room === null ? null : room.admittedTotal,
		signals,
	);
}
