// The simulated provider's records in the SKU object's SQLite (src/payment/sql-store.ts): putNew
// writes a key only once, so a new charge is written without a read and a replay finds the first;
// with a second record (a new charge's payment record), both rows or neither in one statement.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SimRecord } from "../../src/payment/sim-store.ts";
import { SqlSimStore } from "../../src/payment/sql-store.ts";
import { stub } from "./checkout-support.ts";
import { createProduct } from "./helpers.ts";

const record = (amountCents: number): SimRecord => ({
	type: "payment",
	paymentId: "pi_sim_1",
	amountCents,
	currency: "USD",
	refundId: null,
});

describe("SqlSimStore.putNew", () => {
	it("writes a new key, and leaves a key that holds a record as it was", async () => {
		const sku = await createProduct({ totalStock: 1 });
		await runInDurableObject(stub(sku), (_instance, state) => {
			const store = new SqlSimStore(state.storage.sql);
			const key = `payment:${crypto.randomUUID()}`;
			expect(store.putNew(key, record(100))).toBe(true);
			expect(store.putNew(key, record(200))).toBe(false);
			expect(store.get(key)).toEqual(record(100));
			store.put(key, record(300));
			expect(store.get(key)).toEqual(record(300));
		});
	});

	it("writes a second record with a new key in the same statement, and neither for a taken key", async () => {
		const sku = await createProduct({ totalStock: 1 });
		await runInDurableObject(stub(sku), (_instance, state) => {
			const store = new SqlSimStore(state.storage.sql);
			const key = `charge:${crypto.randomUUID()}`;
			const also = (id: string) => ({ key: `payment:${id}`, value: record(100) });
			const [first, second, taken] = [
				crypto.randomUUID(),
				crypto.randomUUID(),
				crypto.randomUUID(),
			];
			expect(store.putNew(key, record(1), also(first))).toBe(true);
			expect(store.get(key)).toEqual(record(1));
			expect(store.get(`payment:${first}`)).toEqual(record(100));
			// The key is taken: no orphan second record is left behind.
			expect(store.putNew(key, record(2), also(second))).toBe(false);
			expect(store.get(key)).toEqual(record(1));
			expect(store.get(`payment:${second}`)).toBeUndefined();
			// The second key is taken: the statement fails and writes neither.
			store.put(`payment:${taken}`, record(7));
			const other = `charge:${crypto.randomUUID()}`;
			expect(() => store.putNew(other, record(3), also(taken))).toThrow();
			expect(store.get(other)).toBeUndefined();
			expect(store.get(`payment:${taken}`)).toEqual(record(7));
		});
	});
});
