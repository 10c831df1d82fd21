// The console's "Edit drop" form (src/web/console/edit-form.ts): it sends only what the
// operator changed, asks before a change that takes something away from buyers, and puts the
// server's refusal next to the field the message names.
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { startsAtInstant } from "../../src/web/console/create-form.ts";
import {
	destructiveChanges,
	type EditValues,
	fieldOfMessage,
	localDateTime,
	patchOf,
	typedPrice,
	valuesOf,
} from "../../src/web/console/edit-form.ts";

const NOW = Date.parse("2026-11-30T15:00:00.000Z");

function product(over: Partial<Product> = {}): Product {
	return {
		sku: "EDIT-1",
		name: "Sneaker",
		priceCents: 4200,
		currency: "USD",
		totalStock: 10,
		holdSeconds: 120,
		perUserLimit: 2,
		startsAt: null,
		availability: {
			sku: "EDIT-1",
			total: 10,
			available: 7,
			reserved: 2,
			sold: 1,
			status: "live",
			asOf: new Date(NOW).toISOString(),
		},
		shards: 1,
		waitingRoom: null,
		...over,
	};
}

const edited = (p: Product, over: Partial<EditValues>) =>
	patchOf(valuesOf(p), { ...valuesOf(p), ...over });

describe("the Edit drop form", () => {
	it("sends nothing when nothing changed, and only the fields changed otherwise", () => {
		const p = product();
		expect(edited(p, {})).toEqual({ ok: true, patch: {} });
		expect(edited(p, { name: " New name ", totalStock: "12" })).toEqual({
			ok: true,
			patch: { name: "New name", totalStock: 12 },
		});
		expect(edited(p, { price: "50" })).toEqual({ ok: true, patch: { priceCents: 5000 } });
	});

	it("shows a price in the currency's units and never sends an unchanged one back rounded", () => {
		expect(typedPrice(4200, "USD")).toBe("42.00");
		expect(typedPrice(1000, "JPY")).toBe("1000");
		expect(typedPrice(10500, "KWD")).toBe("10.500");
		// HUF is shown whole but counted in hundredths: a price with hundredths shows them
		// (decision 191; it showed 1001), a whole one shows whole, and neither is resent.
		const huf = product({ priceCents: 100050, currency: "HUF" });
		expect(valuesOf(huf).price).toBe("1000.50");
		expect(typedPrice(123_456, "HUF")).toBe("1234.56");
		expect(typedPrice(123_500, "HUF")).toBe("1235");
		expect(typedPrice(1, "ISK")).toBe("0.01");
		expect(edited(huf, { name: "x" })).toEqual({ ok: true, patch: { name: "x" } });
	});

	it("a HUF price with hundredths: kept by a currency change, set to the whole price it rounded to, typed to the hundredth", () => {
		const huf = product({ priceCents: 123_456, currency: "HUF" });
		// The currency alone changed: the price as stored, not rounded (123500 was sent).
		expect(edited(huf, { currency: "ISK" })).toEqual({
			ok: true,
			patch: { currency: "ISK", priceCents: 123_456 },
		});
		expect(edited(huf, { currency: "USD" })).toEqual({
			ok: true,
			patch: { currency: "USD", priceCents: 123_456 },
		});
		// The whole price it was shown as is a change (it was taken for the shown text: nothing sent).
		expect(edited(huf, { price: "1235" })).toEqual({ ok: true, patch: { priceCents: 123_500 } });
		expect(edited(huf, { price: "1299.99" })).toEqual({ ok: true, patch: { priceCents: 129_999 } });
		expect(edited(huf, { price: "1234.567" })).toEqual({
			ok: false,
			field: "price",
			message:
				"A price in HUF takes at most 2 decimals: 1234.567 has more, and the console does not round it.",
		});
		// Into a zero-decimal currency its hundredths are refused, not converted.
		expect(edited(huf, { currency: "JPY" })).toMatchObject({ ok: false, field: "price" });
	});

	it("sends the price with a new currency, read in that currency", () => {
		expect(edited(product(), { currency: "jpy", price: "1000" })).toEqual({
			ok: true,
			patch: { currency: "JPY", priceCents: 1000 },
		});
		expect(edited(product(), { currency: "eur" })).toEqual({
			ok: true,
			patch: { currency: "EUR", priceCents: 4200 },
		});
	});

	it("refuses a price with more decimals than its currency takes, typed or left by a currency change", () => {
		// 24.505 USD was sent as 2451.
		expect(edited(product({ priceCents: 2450 }), { price: "24.505" })).toEqual({
			ok: false,
			field: "price",
			message:
				"A price in USD takes at most 2 decimals: 24.505 has more, and the console does not round it.",
		});
		// The currency alone changed: 24.50 USD was sent as ¥25.
		expect(edited(product({ priceCents: 2450 }), { currency: "JPY" })).toEqual({
			ok: false,
			field: "price",
			message:
				"A price in JPY takes no decimals: 24.50 is not a whole number, and the console does not round it. Changing the currency does not convert the price: type it in JPY.",
		});
		// Corrected, or whole in both currencies, it is sent as typed.
		expect(edited(product({ priceCents: 2450 }), { currency: "JPY", price: "2450" })).toEqual({
			ok: true,
			patch: { currency: "JPY", priceCents: 2450 },
		});
		expect(edited(product({ priceCents: 2500 }), { currency: "jpy" })).toEqual({
			ok: true,
			patch: { currency: "JPY", priceCents: 25 },
		});
		// Into a currency with more decimals, nothing is lost.
		expect(edited(product({ priceCents: 2450 }), { currency: "KWD" })).toEqual({
			ok: true,
			patch: { currency: "KWD", priceCents: 24_500 },
		});
		// An unchanged price is not read again: HUF's 1000.50, shown as 1001, stays unsent.
		expect(edited(product({ priceCents: 100050, currency: "HUF" }), { name: "x" })).toEqual({
			ok: true,
			patch: { name: "x" },
		});
	});

	it("refuses a number it cannot read, naming the field", () => {
		expect(edited(product(), { totalStock: "1.5" })).toMatchObject({
			ok: false,
			field: "totalStock",
		});
		expect(edited(product(), { perUserLimit: "" })).toMatchObject({
			ok: false,
			field: "perUserLimit",
		});
		expect(edited(product(), { price: "" })).toMatchObject({ ok: false, field: "price" });
		expect(edited(product(), { startsAt: "20266-01-01T10:00" })).toMatchObject({
			ok: false,
			field: "startsAt",
		});
	});

	it("starts and stops: an empty start is on sale now (null), a time is sent as an instant", () => {
		const at = "2026-12-01T09:30:00.000Z";
		expect(startsAtInstant(localDateTime(at))).toBe(at);
		// Seconds are cut to the control's minute, and an unchanged start is not sent back.
		expect(startsAtInstant(localDateTime("2026-12-01T09:30:15.000Z"))).toBe(at);
		expect(edited(product({ startsAt: "2026-12-01T09:30:15.000Z" }), { name: "x" })).toEqual({
			ok: true,
			patch: { name: "x" },
		});
		const scheduled = product({ startsAt: at });
		expect(edited(scheduled, { startsAt: "" })).toEqual({ ok: true, patch: { startsAt: null } });
		expect(edited(product(), { startsAt: localDateTime(at) })).toEqual({
			ok: true,
			patch: { startsAt: at },
		});
	});

	it("turns a room on with its settings, changes only the settings changed, and turns it off", () => {
		expect(edited(product(), { roomEnabled: true })).toEqual({
			ok: true,
			patch: { waitingRoom: { enabled: true, admitSeconds: 60, overbook: 0.1 } },
		});
		const room = {
			enabled: true,
			admitSeconds: 30,
			overbook: 0.2,
			seedCommitment: "c",
			seed: null,
			waiting: 4,
			admitted: 1,
		};
		const withRoom = product({ waitingRoom: room });
		expect(edited(withRoom, {})).toEqual({ ok: true, patch: {} });
		expect(edited(withRoom, { overbook: "0.5" })).toEqual({
			ok: true,
			patch: { waitingRoom: { enabled: true, overbook: 0.5 } },
		});
		expect(edited(withRoom, { roomEnabled: false })).toEqual({
			ok: true,
			patch: { waitingRoom: { enabled: false } },
		});
		const off = destructiveChanges(withRoom, { waitingRoom: { enabled: false } }, NOW);
		expect(off).toHaveLength(1);
		expect(off[0]).toMatch(/turned off.*4 waiting, 1 admitted/);
	});

	it("asks before a stock cut or a stop, not before a raise or a rename", () => {
		const p = product();
		expect(destructiveChanges(p, { totalStock: 12, name: "x", priceCents: 1 }, NOW)).toEqual([]);
		const cut = destructiveChanges(p, { totalStock: 2 }, NOW);
		expect(cut[0]).toMatch(/Stock cut from 10 to 2 units\. 2 held and 1 sold .* below 3/);
		const later = new Date(NOW + 3_600_000).toISOString();
		expect(destructiveChanges(p, { startsAt: later }, NOW)[0]).toMatch(/^Sales stop until/);
		// A drop not started yet is not stopped by moving its start.
		const scheduled = product({ startsAt: new Date(NOW + 60_000).toISOString() });
		expect(destructiveChanges(scheduled, { startsAt: later }, NOW)).toEqual([]);
		expect(destructiveChanges(p, { startsAt: null }, NOW)).toEqual([]);
	});

	it("says a cut's floor only when units are held or sold, in the singular for one, and that a cut under it will be refused", () => {
		const held = (reserved: number, sold = 0) =>
			product({
				totalStock: 2,
				availability: {
					...product().availability,
					total: 2,
					available: 2 - reserved - sold,
					reserved,
					sold,
				},
			});
		const under = destructiveChanges(held(2), { totalStock: 1 }, NOW)[0] ?? "";
		expect(under).toMatch(
			/^Stock cut from 2 to 1 unit\. 2 held and 0 sold \(as of [^)]+\) stay theirs/,
		);
		expect(under).toMatch(/this save will be refused unless holds end before it arrives\.$/);
		const none = destructiveChanges(held(0), { totalStock: 1 }, NOW)[0] ?? "";
		expect(none).toMatch(
			/^Stock cut from 2 to 1 unit\. Nothing was held or sold \(as of [^)]+\)\.$/,
		);
		expect(none).not.toMatch(/below 0/);
		const above = destructiveChanges(held(1), { totalStock: 1 }, NOW)[0] ?? "";
		expect(above).toMatch(/stay theirs: the server refuses a total below 1 \(held and sold/);
		expect(above).not.toMatch(/will be refused/);
	});

	it("finds the field a server message names", () => {
		expect(
			fieldOfMessage("totalStock cannot go below the units reserved and sold (of a SKU …)."),
		).toBe("totalStock");
		expect(fieldOfMessage("startsAt cannot move later: the waiting room …")).toBe("startsAt");
		expect(fieldOfMessage("priceCents: below the smallest amount Stripe charges")).toBe("price");
		expect(fieldOfMessage("currency: Stripe cannot charge XYZ")).toBe("currency");
		expect(fieldOfMessage("waitingRoom.admitSeconds: Too big: expected number to be <=600")).toBe(
			"admitSeconds",
		);
		expect(fieldOfMessage("waitingRoom.overbook: Too big")).toBe("overbook");
		expect(fieldOfMessage("shards cannot change: …")).toBeNull();
		expect(fieldOfMessage("The request body is empty; a JSON object is required.")).toBeNull();
	});
});
