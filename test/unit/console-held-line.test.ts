// The edit form's held-and-sold line (src/web/console/held-line.ts): the Live counters when they
// are the drop's and not older than the form's read, else the read; always with their time.
import { describe, expect, it } from "vitest";
import { heldLine } from "../../src/web/console/held-line.ts";

const read = { sku: "A", reserved: 1, sold: 0, asOf: "2026-11-30T20:00:00.000Z" };

describe("the edit form's held-and-sold line", () => {
	it("is the read before any Live counters", () => {
		expect(heldLine(read, null)).toEqual({
			held: 1,
			sold: 0,
			asOf: read.asOf,
			live: false,
		});
	});

	it("follows the Live counters as new as the read or newer", () => {
		const same = { ...read, reserved: 3 };
		expect(heldLine(read, same)).toMatchObject({ held: 3, live: true });
		const newer = { sku: "A", reserved: 2, sold: 1, asOf: "2026-11-30T20:00:05.000Z" };
		expect(heldLine(read, newer)).toEqual({ held: 2, sold: 1, asOf: newer.asOf, live: true });
	});

	it("keeps the read over older counters, and over another drop's", () => {
		const older = { sku: "A", reserved: 0, sold: 0, asOf: "2026-11-30T19:59:59.000Z" };
		expect(heldLine(read, older)).toMatchObject({ held: 1, live: false });
		const other = { sku: "B", reserved: 9, sold: 9, asOf: "2026-11-30T20:01:00.000Z" };
		expect(heldLine(read, other)).toMatchObject({ held: 1, live: false });
	});
});
