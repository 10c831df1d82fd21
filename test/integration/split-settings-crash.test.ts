// An operator's PATCH of a SKU split across shards cut by a crash after the coordinator (shard 0)
// committed it and before the other shards had it (docs/decisions/118-split-settings-owed.md).
// The cut is made deterministic: every call from the coordinator to another shard fails during
// the PATCH (a shard restarting), then the coordinator restarts (its memory and timers gone, as
// after `kill -9`). The product already shows the new settings; the shards must come to them
// too, from the coordinator's alarm or from the operator repeating the PATCH whose answer was
// lost; a hold on another shard then takes the new price and hold time, and a room switched on
// gates every shard. Before, the repeat changed nothing (judged against shard 0 alone), nothing
// re-sent the settings, and those holds kept the old price for good.

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ProductConfig } from "../../src/domain/inventory.ts";
import type { RoomPatch } from "../../src/inventory/waiting-room.ts";
import type { Product, Reservation, Ticket } from "../../src/shared/types.ts";
import { call, patch as patchOverHttp } from "./helpers.ts";
import { createRoomProduct } from "./room-support.ts";
import { buyersOnEveryShard, createSharded, reserve, type ShardBuyer } from "./shards-support.ts";
import {
	coordinator,
	crashCoordinator,
	insideWithShardsUnreachable,
	resetWithShardsUnreachable,
} from "./shards-unreachable.ts";

/**
 * The coordinator applies `patch` while no other shard can be reached (its answer is an error),
 * then restarts as after a crash.
 */
async function patchCutByCrash(
	sku: string,
	patch: Partial<Omit<ProductConfig, "sku">>,
	room: RoomPatch | null = null,
): Promise<void> {
	await insideWithShardsUnreachable(sku, (instance) =>
		expect(Promise.resolve(instance.update(patch, room))).rejects.toThrow(),
	);
	await crashCoordinator(sku);
}

/** One hold per buyer (one on each shard): its price and its hold time in seconds. */
async function holdsOf(sku: string, buyers: ShardBuyer[]) {
	const out: { shard: number; priceCents?: number; seconds: number }[] = [];
	for (const b of buyers) {
		const res = await reserve(b, sku);
		expect(res.status, JSON.stringify([b.shard, res.body])).toBe(201);
		const hold = res.body.data as Reservation;
		const seconds = Math.round((Date.parse(hold.expiresAt) - Date.parse(hold.createdAt)) / 1000);
		out.push({ shard: b.shard, priceCents: hold.priceCents, seconds });
	}
	return out;
}

describe("a split SKU's PATCH cut by a crash", { timeout: 60_000 }, () => {
	const shards = 3;

	it("the repeat of the PATCH whose answer was lost brings every shard to the new settings", async () => {
		const sku = await createSharded(30, shards, 5, 300);
		const buyers = await buyersOnEveryShard(shards, 2);
		await patchCutByCrash(sku, { priceCents: 2000, holdSeconds: 120 });
		const shown = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		expect(shown).toMatchObject({ priceCents: 2000, holdSeconds: 120 });

		const repeat = await patchOverHttp(sku, { priceCents: 2000, holdSeconds: 120 });
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		const held = await holdsOf(sku, buyers);
		for (const h of held)
			expect(h, JSON.stringify(held)).toMatchObject({ priceCents: 2000, seconds: 120 });
	});

	it("without a repeat, the coordinator's alarm brings every shard to the new settings", async () => {
		const sku = await createSharded(30, shards, 5, 300);
		const buyers = await buyersOnEveryShard(shards, 1);
		await patchCutByCrash(sku, { priceCents: 2500 });
		// The alarm runs at once here; workerd may also have run it on its own by now.
		await runDurableObjectAlarm(coordinator(sku));
		const held = await holdsOf(sku, buyers);
		for (const h of held) expect(h, JSON.stringify(held)).toMatchObject({ priceCents: 2500 });
		// A newer PATCH still wins over anything re-sent (each shard keeps the newest version).
		const later = await patchOverHttp(sku, { priceCents: 2600 });
		expect(later.status).toBe(200);
		await runDurableObjectAlarm(coordinator(sku));
		const again = await holdsOf(sku, await buyersOnEveryShard(shards, 1));
		for (const h of again) expect(h, JSON.stringify(again)).toMatchObject({ priceCents: 2600 });
	});

	it("a PATCH a shard cannot take yet is answered 503 with Retry-After, kept, and finished by its repeat", async () => {
		const sku = await createSharded(30, shards, 5, 300);
		const buyers = await buyersOnEveryShard(shards, 1);
		await insideWithShardsUnreachable(sku, async () => {
			const cut = await patchOverHttp(sku, { holdSeconds: 90 });
			expect(cut.status, JSON.stringify(cut.body)).toBe(503);
			expect(cut.body.error?.code).toBe("unavailable");
			expect(cut.headers.get("Retry-After")).not.toBeNull();
		});
		const repeat = await patchOverHttp(sku, { holdSeconds: 90 });
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		const held = await holdsOf(sku, buyers);
		for (const h of held) expect(h, JSON.stringify(held)).toMatchObject({ seconds: 90 });
	});

	it("a waiting room switched on by a cut PATCH gates every shard after the repeat", async () => {
		const sku = await createSharded(30, shards, 5, 300);
		const buyers = await buyersOnEveryShard(shards, 1);
		const room = { enabled: true, overbook: 0 };
		await patchCutByCrash(sku, {}, room);
		const shown = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
		expect(shown.waitingRoom).toMatchObject({ enabled: true });

		const repeat = await patchOverHttp(sku, { waitingRoom: room });
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		// No ticket: queued on every shard, none sold past the room.
		for (const b of buyers) {
			const res = await reserve(b, sku);
			expect(res.status, JSON.stringify([b.shard, res.body])).toBe(429);
		}
	});

	it("a reset cut by a crash after the coordinator's still has the other shards drop the old drop's admissions, from the alarm", async () => {
		const product = await createRoomProduct(
			{ totalStock: 10, shards, perUserLimit: 5, holdSeconds: 600 },
			{ admitSeconds: 120 },
		);
		const sku = product.sku;
		const away = (await buyersOnEveryShard(shards, 1)).find((b) => b.shard !== 0) as ShardBuyer;
		const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: away.token });
		expect(joined.body.data?.state).toBe("admitted");
		expect((await reserve(away, sku)).status).toBe(201);

		await resetWithShardsUnreachable(sku);
		await crashCoordinator(sku);
		await runDurableObjectAlarm(coordinator(sku));
		// A new drop: the admission was the old one's; without a ticket now, the buyer is queued.
		const after = await reserve(away, sku);
		expect(after.status, JSON.stringify(after.body)).toBe(429);
	});
});
