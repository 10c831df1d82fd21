// What a split reset that a shard does late keeps besides the new drop's holds
// (docs/decisions/138-what-a-late-split-reset-keeps.md): the records that belong to a hold taken
// after the coordinator's reset stay with it. The cut is made as in split-reset-keeps-new.test.ts
// (every call from the coordinator to another shard fails during its reset); a buyer on shard 1
// acts in the window, then the coordinator's alarm delivers the owed reset.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import type { Reservation, Ticket } from "../../src/shared/types.ts";
import { pay, providerStats } from "./checkout-support.ts";
import { call, stats, uniqueSku } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import { createRoomProduct } from "./room-support.ts";
import {
	buyersOnEveryShard,
	createSharded,
	heldOnShards,
	reserve,
	type ShardBuyer,
} from "./shards-support.ts";
import {
	coordinator,
	resetWithShardsUnreachable,
	withShardsUnreachable,
} from "./shards-unreachable.ts";

const SHARDS = 2;
const STOCK = 20;

/** A hold on each shard, then the coordinator's reset while shard 1 cannot be reached. */
async function resetCutShort(): Promise<{ sku: string; buyer: ShardBuyer }> {
	const sku = await createSharded(STOCK, SHARDS, 5, 3600);
	const buyers = await buyersOnEveryShard(SHARDS, 1);
	for (const b of buyers) expect((await reserve(b, sku)).status).toBe(201);
	await resetWithShardsUnreachable(sku);
	return { sku, buyer: buyers.find((x) => x.shard === 1) as ShardBuyer };
}

/** A new-drop hold on shard 1 (201), taken in the window. */
async function takeNew(sku: string, buyer: ShardBuyer): Promise<Reservation> {
	const taken = await reserve(buyer, sku);
	expect(taken.status, JSON.stringify(taken.body)).toBe(201);
	return taken.body.data as Reservation;
}

/**
 * `act` in the window, with shard 1 still unreachable from the coordinator: its own alarm (a
 * second after the cut) cannot deliver the reset early on a slow machine.
 */
const inWindow = <T>(sku: string, act: () => Promise<T>) => withShardsUnreachable(sku, act);

/** The coordinator's alarm delivers the owed reset: shard 1's old hold is gone, `kept` stay. */
async function deliverReset(sku: string, kept: number): Promise<void> {
	await runDurableObjectAlarm(coordinator(sku));
	expect(await heldOnShards(sku, SHARDS)).toBe(kept);
}

/** A split SKU with its waiting room on and open (no start): a join is admitted at once. */
async function roomOnShards(): Promise<string> {
	const sku = uniqueSku("RS");
	const fields = { totalStock: STOCK, shards: SHARDS, perUserLimit: 5, holdSeconds: 3600 };
	await createRoomProduct(fields, {}, sku);
	return sku;
}

async function admitted(sku: string, buyer: ShardBuyer): Promise<void> {
	const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: buyer.token });
	expect(joined.status, JSON.stringify(joined.body)).toBeLessThan(300);
	expect(joined.body.data?.state).toBe("admitted");
}

describe("a split reset a shard does late keeps the new drop's records", {
	timeout: 60_000,
}, () => {
	it("keeps the record of a kept hold's declined payment: its key replays, it counts", async () => {
		const { sku, buyer } = await resetCutShort();
		const key = crypto.randomUUID();
		const { hold, declined } = await inWindow(sku, async () => {
			const hold = await takeNew(sku, buyer);
			const declined = await pay(buyer.token, hold.reservationId, "pm_card_chargeDeclined", key);
			expect(declined.status).toBe(402);
			expect(declined.body.error).toMatchObject({
				payment: { holdKept: true, failedPayments: 1 },
			});
			return { hold, declined };
		});
		await deliverReset(sku, 1);
		// The same key: the same answer, no second charge (docs/api.md, "Checkout").
		const again = await pay(buyer.token, hold.reservationId, "pm_card_chargeDeclined", key);
		expect(again.status).toBe(402);
		expect(again.body.error).toEqual(declined.body.error);
		expect((await providerStats(shardName(sku, 1))).chargeCalls).toBe(1);
		// Another key: the hold's second failed payment of three, not its first again.
		const other = await pay(buyer.token, hold.reservationId, "pm_card_chargeDeclined");
		expect(other.status).toBe(402);
		expect(other.body.error).toMatchObject({ payment: { holdKept: true, failedPayments: 2 } });
	});

	it("keeps the cool-down of a new-drop hold released before it came, live and after a restart", async () => {
		const { sku, buyer } = await resetCutShort();
		const first = await inWindow(sku, async () => {
			const first = await takeNew(sku, buyer);
			const released = await call("DELETE", `/api/reservations/${first.reservationId}`, {
				token: buyer.token,
			});
			expect(released.status).toBe(200);
			return first;
		});
		await deliverReset(sku, 0);
		// Released before its expiresAt: a new hold may be taken, but ends no later (decision 127).
		const again = await takeNew(sku, buyer);
		expect(again.expiresAt).toBe(first.expiresAt);
		// A restart rebuilds the same from the stored rows (records.ts loadState).
		expect(
			(await call("DELETE", `/api/reservations/${again.reservationId}`, { token: buyer.token }))
				.status,
		).toBe(200);
		await runInDurableObject(shardStub(sku, 1), (_instance, state) => {
			state.abort("restarted by the test");
		}).catch(() => {});
		const reloaded = await takeNew(sku, buyer);
		expect(reloaded.expiresAt).toBe(first.expiresAt);
	});

	it("still drops the old drop's admission on a shard that had not heard of the new drop", async () => {
		const sku = await roomOnShards();
		const buyer = (await buyersOnEveryShard(SHARDS, 1)).find((x) => x.shard === 1) as ShardBuyer;
		await admitted(sku, buyer);
		await takeNew(sku, buyer);
		await resetWithShardsUnreachable(sku);
		await deliverReset(sku, 0);
		const refused = await reserve(buyer, sku);
		expect(refused.status, JSON.stringify(refused.body)).toBe(429);
		expect(refused.body.error?.code).toBe("queued");
	});

	it("keeps the room's admissions the shard got for the new drop: no question to the coordinator", async () => {
		const sku = await roomOnShards();
		const buyer = (await buyersOnEveryShard(SHARDS, 1)).find((x) => x.shard === 1) as ShardBuyer;
		await admitted(sku, buyer);
		await takeNew(sku, buyer);
		await resetWithShardsUnreachable(sku);
		// The new drop: a new ticket, admitted; the coordinator pushes the admission with the new
		// drop's room to shard 1 (reachable again), which has not done the reset yet.
		await admitted(sku, buyer);
		await takeNew(sku, buyer);
		await deliverReset(sku, 1);
		// The admission is still known on shard 1: a further hold asks the coordinator nothing.
		const asks = (await stats(sku)).queue?.shardCalls?.asks;
		expect(asks).toBeTypeOf("number");
		await takeNew(sku, buyer);
		expect((await stats(sku)).queue?.shardCalls?.asks).toBe(asks);
	});
});
