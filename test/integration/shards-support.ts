// Helpers of the split-SKU tests (shards*.test.ts, room-shards*.test.ts, split-*.test.ts,
// patch-shards.test.ts, reset-key.test.ts): buyers' sessions, buyers hashed to every shard, a
// split product and the escrow's invariants, what a refused change must leave as it was, each
// shard's trail replayed, a reserve, the holds read inside the shards.

import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { replayShard } from "../../src/domain/replay.ts";
import type { AuditEvent, Product, Reservation, Stats } from "../../src/shared/types.ts";
import { ADMIN, call, DEBUG, uniqueSku } from "./helpers.ts";
import { shardStub } from "./objects.ts";

export interface Buyer {
	token: string;
	sessionId: string;
}

export async function newBuyer(): Promise<Buyer> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return { token: res.body.data.token, sessionId: res.body.data.sessionId };
}

export async function buyers(n: number): Promise<Buyer[]> {
	const out: Buyer[] = [];
	for (let i = 0; i < n; i += 200) {
		out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, newBuyer))));
	}
	return out;
}

/** A buyer and the shard its session hashes to in a SKU split `shards` ways. */
export interface ShardBuyer extends Buyer {
	shard: number;
}

export async function newShardBuyer(shards: number): Promise<ShardBuyer> {
	const buyer = await newBuyer();
	return { ...buyer, shard: shardOf(buyer.sessionId, shards) };
}

/** `perShard` buyers hashed to each of the `shards` objects, in the order asked. */
export async function buyersOnEveryShard(shards: number, perShard: number): Promise<ShardBuyer[]> {
	const byShard = new Map<number, ShardBuyer[]>();
	for (let tries = 0; tries < 40; tries++) {
		const batch = await Promise.all(Array.from({ length: 10 }, () => newShardBuyer(shards)));
		for (const b of batch) {
			const list = byShard.get(b.shard) ?? [];
			if (list.length < perShard) list.push(b);
			byShard.set(b.shard, list);
		}
		if ([...Array(shards).keys()].every((i) => (byShard.get(i)?.length ?? 0) >= perShard)) break;
	}
	const out: ShardBuyer[] = [];
	for (let k = 0; k < perShard; k++)
		for (let i = 0; i < shards; i++) {
			const b = byShard.get(i)?.[k];
			if (b === undefined) throw new Error(`no buyer hashed to shard ${i}`);
			out.push(b);
		}
	return out;
}

export async function createSharded(
	totalStock: number,
	shards: number,
	perUserLimit: number,
	holdSeconds?: number,
) {
	const sku = uniqueSku("SH");
	const res = await call<Product>("POST", "/api/admin/products", {
		token: ADMIN,
		body: {
			sku,
			name: "Split drop",
			priceCents: 1000,
			currency: "USD",
			totalStock,
			perUserLimit,
			shards,
			...(holdSeconds !== undefined ? { holdSeconds } : {}),
		},
	});
	expect(res.status).toBe(201);
	expect(res.body.data?.shards).toBe(shards);
	expect(res.body.data?.totalStock).toBe(totalStock);
	expect(res.body.data?.availability.available).toBe(totalStock);
	return sku;
}

/** Allotments + pool = total, and no shard holds more than its allotment. */
export function checkEscrow(s: Stats): void {
	const shards = s.shards ?? [];
	const allotted = shards.reduce((n, x) => n + x.allotment, 0);
	expect(allotted + (s.pool ?? 0)).toBe(s.total);
	for (const x of shards) {
		expect(x.reserved + x.sold).toBeLessThanOrEqual(x.allotment);
		expect(x.available).toBe(x.allotment - x.reserved - x.sold);
	}
	expect(s.oversellCount).toBe(0);
	// available is total − reserved − sold by construction (src/inventory/split-sku-views.ts):
	// what can fail is a negative remainder.
	expect(s.available).toBeGreaterThanOrEqual(0);
}

/** What a refused change must leave as it was: the total, the pool and each shard's counts. */
export const escrowOf = (s: Stats) => ({
	total: s.total,
	pool: s.pool,
	shards: s.shards?.map((x) => [x.allotment, x.available, x.reserved, x.sold]),
});

/** Each shard's own trail replays to its allotment and counters (domain/replay.ts replayShard). */
export function expectShardsReplay(trail: AuditEvent[], s: Stats): void {
	for (const shard of s.shards ?? []) {
		const replayed = replayShard(trail.filter((e) => (e.shard ?? 0) === shard.index));
		expect([replayed.total, replayed.reserved, replayed.sold]).toEqual([
			shard.allotment,
			shard.reserved,
			shard.sold,
		]);
	}
}

export const reserve = (buyer: Buyer, sku: string, key?: string) =>
	call<Reservation>("POST", "/api/reservations", {
		token: buyer.token,
		body: { sku },
		...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
	});

/**
 * Units held on shards 1..K − 1 of `sku`, read in each shard's own SQLite: no coordinator call,
 * so nothing the coordinator owes the shards is finished by the read.
 */
export async function heldOnShards(sku: string, shards: number): Promise<number> {
	let held = 0;
	for (let i = 1; i < shards; i++) {
		held += await runInDurableObject(shardStub(sku, i), (_instance, state) => {
			const row = state.storage.sql
				.exec<{ n: number }>(
					"SELECT COALESCE(SUM(quantity), 0) AS n FROM holds WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')",
				)
				.one();
			return Number(row.n);
		});
	}
	return held;
}
