// A reset of a SKU split across shards cut by a crash after the coordinator (shard 0) did its own
// and before the other shards did theirs (docs/decisions/124-a-split-reset-owed.md). The cut is
// made as in split-settings-crash.test.ts: every call from the coordinator to another shard fails
// during the reset, then the coordinator restarts (memory and timers gone, as after `kill -9`).
// The coordinator recorded the reset its shards owe in its own reset's transaction, so its alarm
// finishes it, a read of the whole SKU finishes it before answering, a keyed reset's shards do
// theirs under the key, and no shard resets twice for one reset. Before, an unkeyed reset cut
// there left shards 1..K − 1 with the old drop's holds for good.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { KeyedReset } from "../../src/inventory/reset-keys.ts";
import { sha256Hex } from "../../src/shared/digest.ts";
import type { Product } from "../../src/shared/types.ts";
import { ADMIN, call, resetsIn, stats } from "./helpers.ts";
import {
	buyersOnEveryShard,
	checkEscrow,
	createSharded,
	heldOnShards,
	reserve,
	type ShardBuyer,
} from "./shards-support.ts";
import { coordinator, crashCoordinator, resetWithShardsUnreachable } from "./shards-unreachable.ts";

const SHARDS = 4;

/** The coordinator resets (under `keyed`, if any) while no other shard can be reached, then restarts. */
async function resetCutByCrash(sku: string, keyed: KeyedReset | null = null): Promise<void> {
	await resetWithShardsUnreachable(sku, keyed);
	await crashCoordinator(sku);
}

/** A split SKU with one hold on every shard. */
async function heldEverywhere(): Promise<{ sku: string; buyers: ShardBuyer[] }> {
	const sku = await createSharded(40, SHARDS, 5, 3600);
	const buyers = await buyersOnEveryShard(SHARDS, 1);
	for (const b of buyers) expect((await reserve(b, sku)).status).toBe(201);
	return { sku, buyers };
}

describe("a split SKU's reset cut by a crash after the coordinator's", { timeout: 60_000 }, () => {
	it("the coordinator's alarm has every other shard reset, once", async () => {
		const { sku } = await heldEverywhere();
		await resetCutByCrash(sku);
		expect(await heldOnShards(sku, SHARDS)).toBe(SHARDS - 1);

		await runDurableObjectAlarm(coordinator(sku));
		expect(await heldOnShards(sku, SHARDS)).toBe(0);
		// Again: nothing is owed, no shard resets a second time.
		await runDurableObjectAlarm(coordinator(sku));
		const s = await stats(sku);
		expect([s.reserved, s.available]).toEqual([0, 40]);
		checkEscrow(s);
		const resets = await resetsIn(sku);
		expect(resets.map((e) => e.shard ?? 0).sort()).toEqual([0, 1, 2, 3]);
		for (const e of resets) expect(e.detail?.idempotencyKey).toBeUndefined();
	});

	it("a read of the whole SKU finishes it before answering: no old hold is counted", async () => {
		const { sku, buyers } = await heldEverywhere();
		await resetCutByCrash(sku);
		const shown = await call<Product>("GET", `/api/products/${sku}`);
		expect(shown.status).toBe(200);
		expect(shown.body.data?.availability).toMatchObject({ reserved: 0, available: 40 });
		expect(await heldOnShards(sku, SHARDS)).toBe(0);
		// The new drop sells from every shard; a later alarm resets nothing again.
		for (const b of buyers) expect((await reserve(b, sku)).status).toBe(201);
		await runDurableObjectAlarm(coordinator(sku));
		const s = await stats(sku);
		expect(s.reserved).toBe(SHARDS);
		checkEscrow(s);
		expect(await resetsIn(sku)).toHaveLength(SHARDS);
	});

	it("a keyed reset's shards reset under its key; the key's repeat answers and resets nothing more", async () => {
		const { sku } = await heldEverywhere();
		const key = crypto.randomUUID();
		const fingerprint = await sha256Hex("");
		await resetCutByCrash(sku, { key, fingerprint, replayOnly: false });
		await runDurableObjectAlarm(coordinator(sku));
		expect(await heldOnShards(sku, SHARDS)).toBe(0);
		const resets = await resetsIn(sku);
		expect(resets.map((e) => e.shard ?? 0).sort()).toEqual([0, 1, 2, 3]);
		for (const e of resets) expect(e.detail?.idempotencyKey).toBe(key);

		for (const b of await buyersOnEveryShard(SHARDS, 1))
			expect((await reserve(b, sku)).status).toBe(201);
		const repeat = await call<Product>("POST", `/api/admin/products/${sku}/reset`, {
			token: ADMIN,
			headers: { "idempotency-key": key },
		});
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		expect((await stats(sku)).reserved).toBe(SHARDS);
		expect(await resetsIn(sku)).toHaveLength(SHARDS);
	});

	it("a shard asked twice for the same reset does it once", async () => {
		const { sku } = await heldEverywhere();
		await resetCutByCrash(sku);
		const shard1 = env.INVENTORY.get(env.INVENTORY.idFromName(`${sku}#1`));
		const ask = () =>
			runInDurableObject(shard1, (instance: InventoryObject) => instance.escrowReset(null, 1));
		expect(await ask()).toBe(1);
		for (const b of (await buyersOnEveryShard(SHARDS, 1)).filter((x) => x.shard === 1))
			expect((await reserve(b, sku)).status).toBe(201);
		// A late re-send of the same generation (the alarm's, racing a read's): nothing reset.
		expect(await ask()).toBe(1);
		expect(await heldOnShards(sku, 2)).toBe(1);
	});
});
