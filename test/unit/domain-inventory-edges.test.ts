// Example cases of the pure stock rules at their edges (the property tests of the same rules
// are domain-inventory.test.ts): bad quantities, expiry to the millisecond, a late expiry, and a
// split SKU's shard deciding with units held elsewhere.

import { describe, expect, it } from "vitest";
import { MAX_QUANTITY } from "../../src/domain/bounds.ts";
import { Inventory, type ProductConfig } from "../../src/domain/inventory.ts";

const T0 = Date.UTC(2026, 0, 1);

describe("Inventory edges", () => {
	const config: ProductConfig = {
		sku: "E",
		name: "E",
		priceCents: 1,
		currency: "USD",
		totalStock: 5,
		holdSeconds: 2,
		perUserLimit: 10,
		startsAtMs: null,
	};

	it("refuses a quantity outside 1..MAX_QUANTITY as a programming error, changing nothing", () => {
		const inv = Inventory.create(config, T0);
		inv.drain();
		for (const quantity of [0, -1, MAX_QUANTITY + 1, 1.5, Number.NaN, 1e9]) {
			expect(() =>
				inv.reserve({ id: "x", sessionId: "s", quantity, idempotencyKey: null, nowMs: T0 }),
			).toThrow(RangeError);
		}
		expect(inv.counters()).toEqual({ total: 5, available: 5, reserved: 0, sold: 0 });
		expect(inv.attempts).toBe(0);
		expect(inv.drain()).toEqual({ holds: [], events: [] });
	});

	it("expires a hold exactly at expiresAt, not a millisecond before", () => {
		const inv = Inventory.create(config, T0);
		const out = inv.reserve({
			id: "a",
			sessionId: "s",
			quantity: 2,
			idempotencyKey: null,
			nowMs: T0,
		});
		expect(out.ok).toBe(true);
		expect(inv.expireDue(T0 + 1999)).toBe(0);
		expect(inv.nextDeadlineMs()).toBe(T0 + 2000);
		expect(inv.expireDue(T0 + 2000)).toBe(1);
		expect(inv.counters().available).toBe(5);
		expect(inv.nextDeadlineMs()).toBeNull();
	});
	it("a hold expired late (the server was down at its expiresAt) is recorded now, its event saying when it was due", () => {
		const inv = Inventory.create(config, T0);
		inv.reserve({ id: "late", sessionId: "s", quantity: 1, idempotencyKey: null, nowMs: T0 });
		inv.drain();
		// Read again 15 s after the restart that followed the 2 s hold.
		expect(inv.expireDue(T0 + 17_000)).toBe(1);
		const [event] = inv.drain().events;
		expect(event).toMatchObject({
			type: "reservation.expired",
			atMs: T0 + 17_000,
			reservationId: "late",
			detail: { expiresAt: new Date(T0 + 2000).toISOString() },
		});
	});

	it("a split SKU's shard: units elsewhere decide purchase_limit against sold_out for an attempt over the limit, and never give a hold", () => {
		// docs/decisions/080-split-sku-limit-and-paged-recount.md: the shard's allotment is 1.
		const inv = Inventory.create({ ...config, totalStock: 1, perUserLimit: 1 }, T0);
		const at = (id: string, sessionId: string, stockElsewhere?: number) =>
			inv.reserve({
				id,
				sessionId,
				quantity: 1,
				idempotencyKey: null,
				nowMs: T0,
				...(stockElsewhere === undefined ? {} : { stockElsewhere }),
			});
		expect(at("a", "s", 0).ok).toBe(true);
		// s is at its limit and this shard is empty: the SKU's stock elsewhere decides.
		expect(at("b", "s", 3)).toEqual({ ok: false, code: "purchase_limit" });
		expect(at("c", "s", 0)).toEqual({ ok: false, code: "sold_out" });
		expect(at("d", "s")).toEqual({ ok: false, code: "sold_out" });
		// A session within its limit still takes only this shard's units.
		expect(at("e", "t", 3)).toEqual({ ok: false, code: "sold_out" });
		expect(inv.counters()).toEqual({ total: 1, available: 0, reserved: 1, sold: 0 });
	});
});
