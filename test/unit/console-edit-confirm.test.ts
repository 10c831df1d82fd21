// The edit form's confirmation (src/web/console/edit-confirm.ts): judged on the drop as read
// again at Save, saying when the drop changed since the form opened and whether this save
// replaces that change; when the second read fails, saying its counts are the form's.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { changesSince, confirmationOf } from "../../src/web/console/edit-confirm.ts";
import { dateTime, money } from "../../src/web/lib/format.ts";

const NOW = Date.parse("2026-11-30T15:00:00.000Z");
const OPENED_AT = NOW - 5 * 60_000;

function product(over: Partial<Product> = {}, held = 0): Product {
	const totalStock = over.totalStock ?? 10;
	return {
		sku: "CONF-1",
		name: "Sneaker",
		priceCents: 4200,
		currency: "USD",
		totalStock,
		holdSeconds: 120,
		perUserLimit: 2,
		startsAt: null,
		availability: {
			sku: "CONF-1",
			total: totalStock,
			available: totalStock - held,
			reserved: held,
			sold: 0,
			status: "live",
			asOf: new Date(NOW).toISOString(),
		},
		shards: 1,
		waitingRoom: null,
		...over,
	};
}

describe("confirmationOf", () => {
	it("counts a stock cut's held units from the read at Save, not from the form's", () => {
		const opened = product({}, 0);
		const now = product({}, 6);
		const said = confirmationOf(
			opened,
			{ ok: true, product: now },
			{ totalStock: 4 },
			NOW,
			OPENED_AT,
		);
		expect(said).toHaveLength(1);
		expect(said[0]).toMatch(/^Stock cut from 10 to 4 units\. 6 held and 0 sold .* below 6/);
	});

	it("asks nothing for a rename when the drop is as the form read it, whatever its counters did", () => {
		expect(
			confirmationOf(
				product(),
				{ ok: true, product: product({}, 3) },
				{ name: "x" },
				NOW,
				OPENED_AT,
			),
		).toEqual([]);
	});

	it("says the drop changed since the form opened, and that a field sent by both is replaced", () => {
		const opened = product();
		const now = product({ name: "Renamed elsewhere", totalStock: 12 });
		const said = confirmationOf(
			opened,
			{ ok: true, product: now },
			{ totalStock: 8 },
			NOW,
			OPENED_AT,
		);
		expect(said[0]).toBe(
			'CONF-1 changed since this form opened: name "Sneaker" → "Renamed elsewhere"; total stock 10 → 12. ' +
				"Saving replaces that change to the total stock with yours. " +
				"Close the form and open it again to start from the drop as it is now.",
		);
		expect(said[1]).toMatch(/^Stock cut from 12 to 8 units/);
		// A change to another field only: this save leaves it alone, and asks because it is news.
		const renamed = confirmationOf(
			opened,
			{ ok: true, product: product({ name: "Renamed elsewhere" }) },
			{ holdSeconds: 60 },
			NOW,
			OPENED_AT,
		);
		expect(renamed).toHaveLength(1);
		expect(renamed[0]).toMatch(/Saving sends only the fields you changed, so that change stays\./);
	});

	it("judges a stop on the start as it is now: a drop another operator already stopped is not stopped again", () => {
		const later = new Date(NOW + 3_600_000).toISOString();
		const stopped = product({ startsAt: new Date(NOW + 60_000).toISOString() });
		const said = confirmationOf(
			product(),
			{ ok: true, product: stopped },
			{ startsAt: later },
			NOW,
			OPENED_AT,
		);
		expect(said).toHaveLength(1);
		expect(said[0]).toMatch(/start on sale now → /);
		expect(said.join(" ")).not.toMatch(/Sales stop until/);
	});

	it("when the drop cannot be read again, says the counts are the form's and when they were read", () => {
		const opened = product({}, 2);
		const said = confirmationOf(
			opened,
			{ ok: false, problem: "The server is not answering." },
			{ totalStock: 3 },
			NOW,
			OPENED_AT,
		);
		expect(said[0]).toBe(
			`CONF-1 could not be read again before this save (The server is not answering.): what follows is as read when the form opened, at ${dateTime(OPENED_AT)}, and may be older than the live counters.`,
		);
		expect(said[1]).toMatch(/^Stock cut from 10 to 3 units\. 2 held/);
		// Nothing taken from buyers: nothing to ask, the PATCH's own answer says the rest.
		expect(
			confirmationOf(opened, { ok: false, problem: "x" }, { name: "y" }, NOW, OPENED_AT),
		).toEqual([]);
	});
});

describe("changesSince", () => {
	it("names the drop's own fields that moved, never its counters", () => {
		const room = {
			enabled: true,
			admitSeconds: 60,
			overbook: 0.1,
			seedCommitment: "c",
			seed: null,
			waiting: 0,
			admitted: 0,
		};
		const opened = product({ waitingRoom: room });
		expect(changesSince(opened, product({ waitingRoom: { ...room, waiting: 9 } }, 4), {})).toEqual(
			[],
		);
		expect(
			changesSince(
				opened,
				product({ waitingRoom: { ...room, enabled: false }, priceCents: 5000 }),
				{
					waitingRoom: { enabled: false },
				},
			),
		).toEqual([
			{ name: "price", from: money(4200, "USD"), to: money(5000, "USD"), replaced: false },
			{ name: "waiting room", from: "on (admit 60 s, overbook 0.1)", to: "off", replaced: true },
		]);
	});
});
