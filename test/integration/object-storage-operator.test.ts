// An operator's call on a SKU's object whose own storage fails part way (SQLite's disk full):
// 503, and the object reads its model again from what is durable, so memory is never ahead of
// storage after it (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md §3). Found by a
// review of this stop (F1): a split SKU's raise changed the pool in memory, then its save threw;
// the 503 was followed by stats and a repeated PATCH saying 25 while storage kept 20, and no
// operator event for 25 was ever written. On one object a PATCH whose state row failed kept its
// event row, and the next change collided with it.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readEscrow } from "../../src/inventory/escrow-shard.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { createProduct, patch, stats, trail } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { createSharded } from "./shards-support.ts";
import { coordinator } from "./shards-unreachable.ts";

const FULL = "database or disk is full: SQLITE_FULL";

type Inner = { escrow: { save(): void; total(): number | null }; sql: SqlStorage };

const operatorTotals = async (sku: string) =>
	(await trail(sku))
		.filter((e) => e.type === "product.updated" && e.detail?.escrow === undefined)
		.map((e) => e.detail?.totalStock);

describe("an operator's call whose object storage fails part way", () => {
	it("a split SKU's raise: 503, the pool as stored, and the repeat raises it once", async () => {
		const sku = await createSharded(20, 2, 5);
		await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
			const escrow = (instance as unknown as Inner).escrow;
			const save = escrow.save.bind(escrow);
			escrow.save = () => {
				escrow.save = save;
				throw new Error(FULL);
			};
		});
		const first = await patch(sku, { totalStock: 25 });
		expect(first.status, JSON.stringify(first.body)).toBe(503);
		expect(first.body.error?.code).toBe("unavailable");
		const after = await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
			const o = instance as unknown as Inner;
			return { memory: o.escrow.total(), stored: readEscrow(o.sql)?.pool?.total };
		});
		expect(after).toEqual({ memory: 20, stored: 20 });
		expect((await stats(sku)).total).toBe(20);
		const repeat = await patch(sku, { totalStock: 25 });
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		expect(repeat.body.data?.totalStock).toBe(25);
		expect((await stats(sku)).total).toBe(25);
		expect(await operatorTotals(sku)).toEqual([25]);
	});

	it("one object's PATCH: 503, the product as stored, and the repeat changes it", async () => {
		const sku = await createProduct({ totalStock: 5, priceCents: 1000 });
		await runInDurableObject(stubOf(sku), (instance: InventoryObject) => {
			// The state row's write fails, after the model took the change (state-writer.ts).
			const state = (instance as unknown as { state: { writeRow(...a: unknown[]): void } }).state;
			const writeRow = state.writeRow.bind(state);
			state.writeRow = () => {
				state.writeRow = writeRow;
				throw new Error(FULL);
			};
		});
		const first = await patch(sku, { priceCents: 2000 });
		expect(first.status, JSON.stringify(first.body)).toBe(503);
		const shown = await runInDurableObject(
			stubOf(sku),
			(instance: InventoryObject) =>
				(instance as unknown as { inv: { product: { priceCents: number } } }).inv.product
					.priceCents,
		);
		expect(shown).toBe(1000);
		const repeat = await patch(sku, { priceCents: 2000 });
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		expect(repeat.body.data?.priceCents).toBe(2000);
	});
});
