// The console's words for an audit event (src/web/console/event-detail.ts): its detail as
// `key: value` pairs, and a split SKU's escrow transfers named as the escrow's.

import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { describeEvent, detailParts, detailText } from "../../src/web/console/event-detail.ts";
import { dateTime } from "../../src/web/lib/format.ts";

const event = (e: Partial<AuditEvent>): AuditEvent => ({
	id: "e1",
	seq: 1,
	sku: "SKU-1",
	type: "product.updated",
	at: "2026-11-30T15:00:00.000Z",
	...e,
});

describe("describeEvent", () => {
	it("says an event without detail by its type alone", () => {
		expect(describeEvent(event({ type: "reservation.created" }))).toEqual({
			name: "reservation.created",
			detail: "",
			parts: [],
		});
	});

	it("says an operator's change field by field, nested values as JSON", () => {
		const words = describeEvent(
			event({ detail: { priceCents: 5000, currency: "EUR", waitingRoom: { enabled: true } } }),
		);
		expect(words).toMatchObject({
			name: "product.updated",
			detail: 'priceCents: 5000 · currency: EUR · waitingRoom: {"enabled":true}',
		});
	});

	it("names the escrow's grant, give-back and pool, with the shard and its new allotment", () => {
		const grant = event({
			shard: 2,
			detail: { totalStock: 5, allotment: 5, escrow: { grant: 7, units: 3 } },
		});
		expect(describeEvent(grant)).toEqual({
			name: "escrow transfer",
			detail:
				"Escrow: shard 2 was granted 3 units from the pool (transfer 7); shard 2's allotment is now 5.",
			parts: null,
		});
		const back = event({
			shard: 3,
			detail: { totalStock: 0, allotment: 0, escrow: { return: 9, units: 1 } },
		});
		expect(describeEvent(back).detail).toBe(
			"Escrow: shard 3 gave 1 unit back to the pool (transfer 9); shard 3's allotment is now 0.",
		);
		const pool = event({
			shard: 0,
			detail: { totalStock: 0, allotment: 0, escrow: { pool: 40, shards: 4 } },
		});
		expect(describeEvent(pool).detail).toBe(
			"Escrow: a pool of 40 units set up for 4 shards; shard 0's allotment is now 0.",
		);
	});

	it("keeps a product.updated without detail.escrow as the operator's", () => {
		const patch = event({ shard: 0, detail: { totalStock: 30 } });
		expect(describeEvent(patch)).toEqual({
			name: "product.updated",
			detail: "totalStock: 30",
			parts: [{ key: "totalStock", value: "30" }],
		});
		expect(detailText({ reason: "declined: generic_decline", failedPayments: 1 })).toBe(
			"reason: declined: generic_decline · failedPayments: 1",
		);
	});
});

describe("a split SKU's per-shard rows", () => {
	it("names the shard of each reset row, a non-coordinator's totalStock said as its allotment", () => {
		const coordinator = event({
			type: "inventory.reset",
			shard: 0,
			detail: { totalStock: 40, allotment: 10, released: 2 },
		});
		expect(describeEvent(coordinator).detail).toBe(
			"shard: 0 · totalStock: 40 · allotment: 10 · released: 2",
		);
		const other = event({ type: "inventory.reset", shard: 3, detail: { totalStock: 11, held: 0 } });
		expect(describeEvent(other)).toEqual({
			name: "inventory.reset",
			detail: "shard: 3 · totalStock (shard 3's allotment): 11 · held: 0",
			parts: [
				{ key: "shard", value: "3" },
				{ key: "totalStock (shard 3's allotment)", value: "11" },
				{ key: "held", value: "0" },
			],
		});
	});

	it("names the shard of a hold's rows, with or without detail", () => {
		expect(describeEvent(event({ type: "reservation.created", shard: 2 })).detail).toBe("shard: 2");
		expect(
			describeEvent(event({ type: "reservation.cancelled", shard: 1, detail: { quantity: 1 } }))
				.detail,
		).toBe("shard: 1 · quantity: 1");
	});

	it("names no shard on a one-object SKU's rows nor on the SKU's own create and PATCH", () => {
		expect(
			describeEvent(event({ type: "inventory.reset", detail: { totalStock: 40 } })).detail,
		).toBe("totalStock: 40");
		expect(
			describeEvent(event({ type: "product.created", shard: 0, detail: { totalStock: 40 } }))
				.detail,
		).toBe("totalStock: 40");
	});
});

describe("detailText's instants", () => {
	const start = Date.UTC(2026, 10, 30, 16, 20, 0);

	it("shows a start recorded in epoch milliseconds as a date and time, never the raw number", () => {
		const text = detailText({ startsAtMs: start, totalStock: 5 });
		expect(text).toBe(`startsAt: ${dateTime(start)} · totalStock: 5`);
		expect(text).not.toContain(String(start));
		expect(text).toContain("2026");
	});

	it("says a start of null is on sale now, and any other instant's null is none", () => {
		expect(
			describeEvent(event({ type: "product.created", detail: { startsAtMs: null } })).detail,
		).toBe("startsAt: none (on sale now)");
		expect(detailText({ closedAtMs: null })).toBe("closedAt: none");
	});

	it("leaves a key that only looks like one alone when its value is not an instant", () => {
		expect(detailText({ startsAtMs: "soon", admitSeconds: 60 })).toBe(
			"startsAtMs: soon · admitSeconds: 60",
		);
	});
});

describe("instants the server writes as ISO text", () => {
	const due = "2026-11-30T16:22:00.000Z";
	const dueMs = Date.parse(due);

	it("shows a hold's expiresAt as a local date and time, with the ISO text kept for the row's title", () => {
		const words = describeEvent(
			event({ type: "reservation.expired", reservationId: "rsv_1", detail: { expiresAt: due } }),
		);
		expect(words.detail).toBe(`expiresAt: ${dateTime(dueMs)}`);
		expect(words.detail).not.toContain(due);
		expect(words.parts).toEqual([{ key: "expiresAt", value: dateTime(dueMs), iso: due }]);
	});

	it("shows an admission's admittedUntil likewise, the other pairs as they were", () => {
		expect(detailParts({ ticketId: "t1", seq: 3, admittedUntil: due })).toEqual([
			{ key: "ticketId", value: "t1" },
			{ key: "seq", value: "3" },
			{ key: "admittedUntil", value: dateTime(dueMs), iso: due },
		]);
	});

	it("keeps the ISO text of a start recorded in epoch milliseconds too", () => {
		expect(detailParts({ startsAtMs: dueMs })).toEqual([
			{ key: "startsAt", value: dateTime(dueMs), iso: due },
		]);
		expect(detailParts({ startsAtMs: null })).toEqual([
			{ key: "startsAt", value: "none (on sale now)" },
		]);
	});

	it("leaves text that is not an instant, or under another key, as the server wrote it", () => {
		expect(detailText({ expiresAt: "tomorrow", name: due, admittedUntil: "2026-11-30" })).toBe(
			`expiresAt: tomorrow · name: ${due} · admittedUntil: 2026-11-30`,
		);
	});
});
