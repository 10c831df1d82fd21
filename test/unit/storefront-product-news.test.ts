// Which product read in place of the live feed counts as an operator's change
// (src/web/storefront/product-news.ts): the fields a PATCH moves and a reset's new seed
// commitment do; the stock, the room's counts and its seed published at the start do not.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { operatorChanged } from "../../src/web/storefront/product-news.ts";

const shown: Product = {
	sku: "SKU-1",
	name: "Sneaker",
	priceCents: 1999,
	currency: "USD",
	totalStock: 10,
	holdSeconds: 120,
	perUserLimit: 2,
	startsAt: "2026-11-30T18:00:00.000Z",
	availability: {
		sku: "SKU-1",
		total: 10,
		available: 10,
		reserved: 0,
		sold: 0,
		status: "live",
		asOf: "2026-11-30T18:00:01.000Z",
	},
	shards: 1,
	waitingRoom: {
		enabled: true,
		admitSeconds: 120,
		overbook: 0,
		seedCommitment: "aa".repeat(32),
		seed: null,
		waiting: 3,
		admitted: 1,
	},
};
const room = shown.waitingRoom as NonNullable<Product["waitingRoom"]>;

describe("a product read in place of the feed", () => {
	it("is news when a field only the operator moves differs", () => {
		for (const change of [
			{ name: "Renamed" },
			{ priceCents: 2999 },
			{ currency: "EUR" },
			{ totalStock: 12 },
			{ holdSeconds: 300 },
			{ perUserLimit: 1 },
			{ startsAt: null },
			{ shards: 4 },
			{ waitingRoom: null },
			{ waitingRoom: { ...room, enabled: false } },
			{ waitingRoom: { ...room, admitSeconds: 60 } },
			{ waitingRoom: { ...room, overbook: 5 } },
		] satisfies Partial<Product>[])
			expect(operatorChanged(shown, { ...shown, ...change }), JSON.stringify(change)).toBe(true);
	});

	it("is news after a reset of a room: a new seed is committed, the counts empty", () => {
		const reset = {
			...shown,
			waitingRoom: { ...room, seedCommitment: "bb".repeat(32), waiting: 0, admitted: 0 },
		};
		expect(operatorChanged(shown, reset)).toBe(true);
	});

	it("is no news when only the stock, the room's counts or its published seed moved", () => {
		const sold = {
			...shown,
			availability: { ...shown.availability, available: 7, reserved: 2, sold: 1, asOf: "x" },
			waitingRoom: { ...room, waiting: 0, admitted: 4, seed: "cc".repeat(32) },
		};
		expect(operatorChanged(shown, sold)).toBe(false);
		// A product without the optional fields equals one with their defaults.
		const { shards: _s, ...bare } = { ...shown, waitingRoom: null };
		expect(operatorChanged(bare, { ...bare, waitingRoom: null, shards: 1 })).toBe(false);
	});
});
