// Peer (a) — the Redis answer (docs/benchmarks.md, "The peers"): one Lua script checks the stock, decrements it and records
// the hold, atomically (Redis runs a script to completion before any other command). The
// server runs with `appendfsync always`, so the hold is on disk before the reply (cli/services.ts).

import { Redis } from "ioredis";
import {
	newHold,
	oversellOf,
	type PeerEngine,
	type PeerStats,
	type ReserveOutcome,
	requiredEnv,
	servePeerFromEnv,
} from "./common.ts";

/** KEYS: available, holds. ARGV: quantity, reservationId, hold record. → units left, -1 sold out, -2 unknown. */
const RESERVE_LUA = `
local available = redis.call('GET', KEYS[1])
if not available then return -2 end
available = tonumber(available)
local quantity = tonumber(ARGV[1])
if available < quantity then return -1 end
redis.call('DECRBY', KEYS[1], quantity)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return available - quantity
`;

/** KEYS: total, holds. → {total or -1, hold count, units held}, counted from the hold records. */
const STATS_LUA = `
local total = tonumber(redis.call('GET', KEYS[1]) or '-1')
local records = redis.call('HVALS', KEYS[2])
local units = 0
for i = 1, #records do units = units + tonumber(string.match(records[i], '^(%d+)')) end
return {total, #records, units}
`;

type ScriptedRedis = Redis & {
	reserveHold(
		available: string,
		holds: string,
		quantity: number,
		id: string,
		record: string,
	): Promise<number>;
	holdStats(total: string, holds: string): Promise<[number, number, number]>;
};

/** Hash tags keep one SKU's keys in one slot, as they must be for a script on Redis Cluster. */
function keysOf(sku: string) {
	return {
		available: `rg:{${sku}}:available`,
		total: `rg:{${sku}}:total`,
		holds: `rg:{${sku}}:holds`,
	};
}

export async function createRedisLuaEngine(redisUrl: string): Promise<PeerEngine> {
	// One connection with auto-pipelining is the idiomatic fast client for single-threaded Redis:
	// every command issued in one event-loop tick goes out in one write, and Redis fsyncs the
	// AOF once per batch of commands it has read (group commit) before it replies.
	const redis = new Redis(redisUrl, {
		enableAutoPipelining: true,
		maxRetriesPerRequest: 1,
	}) as ScriptedRedis;
	redis.defineCommand("reserveHold", { numberOfKeys: 2, lua: RESERVE_LUA });
	redis.defineCommand("holdStats", { numberOfKeys: 2, lua: STATS_LUA, readOnly: true });
	await redis.ping();

	return {
		async reserve(request): Promise<ReserveOutcome> {
			const hold = newHold(request);
			const keys = keysOf(hold.sku);
			// quantity first so the stats script can sum units from the records alone.
			const record = `${hold.quantity}|${hold.sessionId}|${hold.createdAtMs}|${hold.expiresAtMs}`;
			const left = await redis.reserveHold(
				keys.available,
				keys.holds,
				hold.quantity,
				hold.reservationId,
				record,
			);
			if (left === -2) return { ok: false, code: "unknown_sku" };
			if (left === -1) return { ok: false, code: "sold_out" };
			return { ok: true, hold };
		},
		async setup(sku, stock) {
			const keys = keysOf(sku);
			await redis.multi().del(keys.holds).set(keys.available, stock).set(keys.total, stock).exec();
		},
		async stats(sku): Promise<PeerStats | undefined> {
			const keys = keysOf(sku);
			const [total, holds, unitsHeld] = await redis.holdStats(keys.total, keys.holds);
			if (total < 0) return undefined;
			return { sku, total, holds, unitsHeld, oversell: oversellOf(total, unitsHeld) };
		},
		async close() {
			await redis.quit();
		},
	};
}

if (import.meta.main) {
	await servePeerFromEnv("redis-lua", () => createRedisLuaEngine(requiredEnv("REDIS_URL")));
}
