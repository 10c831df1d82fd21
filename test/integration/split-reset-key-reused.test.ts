// A keyed split reset whose key the operator uses again after the coordinator forgot it (24 h by
// its clock; docs/api.md: "then it is new again"), while a shard that did its part of the last
// reset late still remembers it: the generation, not the shard's row of the key, says whether
// the shard's part is due (docs/decisions/144-reset-generations-late-counters-and-the-limiters-clock.md).
// Before that rule the shard answered the new reset from its row ("replayed", or `key_reused`
// for another body), reset nothing, and the coordinator counted it done: a 200, every shard
// acknowledged, and the old drop's hold still on shard 1.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import type { Product } from "../../src/shared/types.ts";
import { withHeldClock } from "./held-clock.ts";
import { ADMIN, call } from "./helpers.ts";
import {
	buyersOnEveryShard,
	createSharded,
	heldOnShards,
	reserve,
	type ShardBuyer,
} from "./shards-support.ts";
import { coordinator, withShardsUnreachable } from "./shards-unreachable.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

const resetWith = (sku: string, key: string, rawBody: string) =>
	call<Product>("POST", `/api/admin/products/${sku}/reset`, {
		token: ADMIN,
		headers: { "idempotency-key": key },
		rawBody,
	});

/** Shard 1's hold rows, whatever their status (a reset deletes the ones it clears). */
const holdRows = (sku: string) =>
	runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(shardName(sku, 1))), (_i, state) =>
		state.storage.sql.exec("SELECT id FROM holds").toArray(),
	);

describe("a reset key reused after the coordinator forgot it", { timeout: 60_000 }, () => {
	for (const secondBody of ["", '{"drop":2}']) {
		it(`a shard that did the last reset late does the new one (${secondBody === "" ? "same body" : "another body"})`, async () => {
			const sku = await createSharded(40, 2, 5, 3600);
			const key = crypto.randomUUID();
			await withHeldClock(async (setMs) => {
				const t0 = Date.now();
				// The first reset under the key: shard 1 cannot be reached, so it does its part late.
				expect((await withShardsUnreachable(sku, () => resetWith(sku, key, ""))).status).toBe(503);
				setMs(t0 + 60_000);
				await runDurableObjectAlarm(coordinator(sku));
				// A day later the coordinator has forgotten the key (its row is 24 h old), shard 1's
				// row is 60 s younger. A hold on shard 1, then the same key again.
				setMs(t0 + DAY_MS + 20_000);
				const b1 = (await buyersOnEveryShard(2, 1))[1] as ShardBuyer;
				expect((await reserve(b1, sku)).status).toBe(201);
				expect(await heldOnShards(sku, 2)).toBe(1);
				setMs(t0 + DAY_MS + 30_000);
				const second = await resetWith(sku, key, secondBody);
				expect(second.status).toBe(200);
				expect(second.body.data?.availability).toMatchObject({ reserved: 0, available: 40 });
				expect(await heldOnShards(sku, 2)).toBe(0);
				expect(await holdRows(sku)).toHaveLength(0);
			});
		});
	}
});
