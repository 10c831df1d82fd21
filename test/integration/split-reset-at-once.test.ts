// Two resets of a split SKU sent at once, every shard healthy (docs/decisions/189-review-37s-findings.md
// §1): both answer 200. A reset finishes its own generation on the shards; one made while it
// was on its way is the later reset's to finish. Before, the first reset, its shards done, saw
// the second's generation still owed and answered 503 "some of the SKU's shards have yet to do
// it", which tells an unkeyed operator not to send it again, while nothing had failed.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { ADMIN, stats, trail } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { buyersOnEveryShard, checkEscrow, createSharded, reserve } from "./shards-support.ts";
import { aroundShardCalls, coordinator } from "./shards-unreachable.ts";

const SHARDS = 4;

/** The coordinator's reset calls to shard 1, held where the test says. */
type Held = { firstArrived?: boolean; firstGo?: boolean; secondHeld?: boolean; secondGo?: boolean };

const flags = (sku: string, act: (o: Held) => boolean | undefined) =>
	runInDurableObject(coordinator(sku), (instance: InventoryObject) => act(instance as Held));

describe("two resets of a split SKU at once", { timeout: 60_000 }, () => {
	for (const keyed of [false, true]) {
		it(`both answer 200 when the first's shards answer before the second's (${keyed ? "keyed" : "unkeyed"})`, async () => {
			const sku = await createSharded(20, SHARDS, 5, 3600);
			for (const b of await buyersOnEveryShard(SHARDS, 1))
				expect((await reserve(b, sku)).status).toBe(201);
			// The first reset's call to shard 1 waits until the second reset has been made; the
			// second's first call to shard 1 then waits until the first reset has answered.
			await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
				const o = instance as Held;
				aroundShardCalls(instance, async ({ index, method, args, call }) => {
					if (method === "escrowReset" && index === 1 && args[1] === 1 && !o.firstArrived) {
						o.firstArrived = true;
						while (o.firstGo !== true) await sleep(5);
					}
					if (method === "escrowReset" && index === 1 && args[1] === 2 && !o.secondHeld) {
						o.secondHeld = true;
						o.firstGo = true;
						while (o.secondGo !== true) await sleep(5);
					}
					return call();
				});
			});
			const reset = () =>
				limited("POST", `/api/admin/products/${sku}/reset`, {
					ip: freshIp(),
					token: ADMIN,
					headers: keyed ? { "idempotency-key": crypto.randomUUID() } : {},
				});
			const first = reset();
			while ((await flags(sku, (o) => o.firstArrived)) !== true) await sleep(5);
			const second = reset();
			let answer: Awaited<typeof first>;
			try {
				answer = await first;
			} finally {
				await flags(sku, (o) => {
					o.firstGo = true;
					o.secondGo = true;
					return true;
				});
			}
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			const later = await second;
			expect(later.status, JSON.stringify(later.body)).toBe(200);
			await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
				delete (instance as unknown as { peerStub?: unknown }).peerStub;
			});
			// Both resets made, each once on every shard: nothing held, the stock whole.
			const after = await stats(sku);
			checkEscrow(after);
			expect(after).toMatchObject({ total: 20, reserved: 0, available: 20 });
			const resets = (await trail(sku)).filter((e) => e.type === "inventory.reset");
			for (let shard = 0; shard < SHARDS; shard++)
				expect(resets.filter((e) => (e.shard ?? 0) === shard)).toHaveLength(2);
		});
	}
});
