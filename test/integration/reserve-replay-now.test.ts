// A keyed reserve replayed later tells the hold as it stands now: the first answer's hold (its
// id, quantity and times) with its status and the seconds left as they are when the replay is
// answered (docs/api.md, Reservations; docs/decisions/088-ended-holds-and-replays.md). On one
// object and on a split SKU. Time is moved with a held clock: no test waits.
import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, createProduct, stats } from "./helpers.ts";
import { type Buyer, createSharded, newBuyer, newShardBuyer, reserve } from "./shards-support.ts";

const HOLD_SECONDS = 30;

/** A SKU in one object, or split across two shards. */
async function skuAndBuyer(shards: 1 | 2): Promise<{ sku: string; buyer: Buyer }> {
	if (shards === 1) {
		const sku = await createProduct({ totalStock: 10, holdSeconds: HOLD_SECONDS, perUserLimit: 5 });
		return { sku, buyer: await newBuyer() };
	}
	const sku = await createSharded(10, 2, 5, HOLD_SECONDS);
	return { sku, buyer: await newShardBuyer(2) };
}

describe("a keyed reserve replayed later tells the hold as it stands now", () => {
	for (const shards of [1, 2] as const) {
		it(`the seconds left, then CANCELLED; then EXPIRED after expiresAt (${shards === 1 ? "one object" : "2 shards"})`, async () => {
			const { sku, buyer } = await skuAndBuyer(shards);
			await withHeldClock(async (setMs) => {
				const t0 = Date.now();
				const first = await reserve(buyer, sku, "rk-1");
				expect(first.status).toBe(201);
				const hold = first.body.data as Reservation;
				expect(hold.expiresInSeconds).toBe(HOLD_SECONDS);

				setMs(t0 + 4_000);
				const again = await reserve(buyer, sku, "rk-1");
				expect(again.status).toBe(201);
				// The first answer's hold: same id, quantity, times; the countdown as the hold stands.
				expect(again.body.data).toMatchObject({
					reservationId: hold.reservationId,
					quantity: hold.quantity,
					createdAt: hold.createdAt,
					expiresAt: hold.expiresAt,
					status: "RESERVED",
					expiresInSeconds: HOLD_SECONDS - 4,
				});
				const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
					token: buyer.token,
				});
				expect(again.body.data?.expiresInSeconds).toBe(read.body.data?.expiresInSeconds);

				const cancelled = await call("DELETE", `/api/reservations/${hold.reservationId}`, {
					token: buyer.token,
				});
				expect(cancelled.status).toBe(200);
				const afterCancel = await reserve(buyer, sku, "rk-1");
				expect(afterCancel.status).toBe(201);
				expect(afterCancel.body.data).toMatchObject({
					reservationId: hold.reservationId,
					status: "CANCELLED",
					expiresInSeconds: 0,
				});

				// Another key's hold, replayed after its expiresAt: never RESERVED.
				const second = await reserve(buyer, sku, "rk-2");
				expect(second.status).toBe(201);
				const id2 = second.body.data?.reservationId;
				setMs(Date.parse(second.body.data?.expiresAt ?? "") + 1_000);
				const late = await reserve(buyer, sku, "rk-2");
				expect(late.status).toBe(201);
				expect(late.body.data).toMatchObject({
					reservationId: id2,
					status: "EXPIRED",
					expiresInSeconds: 0,
				});
				// Still one hold per key: nothing was taken again.
				expect((await stats(sku)).reserved).toBe(0);
			});
		});
	}
});
