// Which product read in place of the live feed counts as an operator's change
// (src/web/storefront/product-news.ts): the fields a PATCH moves and a reset's new seed
// commitment do; the stock, the room's counts and its seed published at the start do not.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { operatorChanged, ShownProduct } from "../../src/web/storefront/product-news.ts";

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

describe("the product on screen and the news it gives (ShownProduct)", () => {
	const at = (p: Product, asOf: string): Product => ({
		...p,
		availability: { ...p.availability, asOf },
	});
	const reset = (p: Product, asOf: string): Product =>
		at({ ...p, waitingRoom: { ...room, seedCommitment: "bb".repeat(32) } }, asOf);

	it("counts a reread that shows an operator's change while the feed is lost, once: the next read in the feed's place is no news again", () => {
		const shownNow = new ShownProduct();
		expect(shownNow.take(shown, "load", true)).toEqual({ taken: true, news: false });
		// A refusal the page did not foresee rereads the product before the read every 10 s.
		const afterReset = reset(shown, "2026-11-30T18:00:05.000Z");
		expect(shownNow.take(afterReset, "reread", true)).toEqual({ taken: true, news: true });
		const next = at(afterReset, "2026-11-30T18:00:10.000Z");
		expect(shownNow.take(next, "fallback", true)).toEqual({ taken: true, news: false });
	});

	it("counts the read in the feed's place that shows the change first, once", () => {
		const shownNow = new ShownProduct();
		shownNow.take(shown, "load", true);
		const afterReset = reset(shown, "2026-11-30T18:00:05.000Z");
		expect(shownNow.take(afterReset, "fallback", true).news).toBe(true);
		expect(shownNow.take(at(afterReset, "2026-11-30T18:00:06.000Z"), "reread", true).news).toBe(
			false,
		);
	});

	it("leaves a reread's change to the feed's own message while the feed is open", () => {
		const shownNow = new ShownProduct();
		shownNow.take(shown, "load", false);
		const afterReset = reset(shown, "2026-11-30T18:00:05.000Z");
		expect(shownNow.take(afterReset, "reread", false)).toEqual({ taken: true, news: false });
		expect(shownNow.take(afterReset, "feed", false)).toEqual({ taken: true, news: true });
	});

	it("drops a product older than the one shown, and an older read is no news", () => {
		const shownNow = new ShownProduct();
		shownNow.take(at(shown, "2026-11-30T18:00:05.000Z"), "load", true);
		const older = reset(shown, "2026-11-30T18:00:02.000Z");
		expect(shownNow.take(older, "reread", true)).toEqual({ taken: false, news: false });
		expect(shownNow.current?.availability.asOf).toBe("2026-11-30T18:00:05.000Z");
	});
});
