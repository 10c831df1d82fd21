// An outbox row is kept as the text of its D1 `events` row (src/inventory/codec.ts eventRowText),
// so the outbox's drain neither parses nor re-stringifies the rows no projection reads. What it
// sends D1 and what it hands a projection must be what the earlier round trip gave: the event
// stringified into its row, parsed back, and its D1 row stringified from that.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/domain/inventory.ts";
import {
	auditEventOfRow,
	auditEventRowText,
	eventRowText,
	rowEventType,
	toAuditEvent,
} from "../../src/inventory/codec.ts";
import type { AuditEvent, EventType } from "../../src/shared/types.ts";

const TYPES: EventType[] = [
	"product.created",
	"product.updated",
	"reservation.created",
	"reservation.cancelled",
	"reservation.expired",
	"checkout.started",
	"payment.succeeded",
	"payment.attempt_failed",
	"payment.failed",
	"payment.refunded",
	"order.created",
	"inventory.reset",
	"queue.enabled",
	"queue.updated",
	"queue.ticket",
	"queue.started",
	"queue.admitted",
	"queue.lapsed",
	"queue.sold_out",
	"queue.reset",
];

const domainEvent: fc.Arbitrary<DomainEvent> = fc.record(
	{
		type: fc.constantFrom(...TYPES),
		atMs: fc.integer({ min: 0, max: Date.parse("2100-01-01T00:00:00Z") }),
		reservationId: fc.string(),
		orderId: fc.string(),
		quantity: fc.integer({ min: 0, max: 10_000_000 }),
		sessionId: fc.string(),
		detail: fc.dictionary(fc.string(), fc.jsonValue()),
	},
	{ requiredKeys: ["type", "atMs"] },
);

/** The D1 row the outbox sent before rows were kept as text: from the event parsed back from its JSON. */
function earlierRow(event: AuditEvent): string {
	const e = JSON.parse(JSON.stringify(event)) as AuditEvent;
	return JSON.stringify([
		e.type,
		e.id,
		e.sku,
		e.seq,
		e.at,
		e.reservationId ?? null,
		e.orderId ?? null,
		e.quantity ?? null,
		e.sessionId ?? null,
		e.detail === undefined ? null : JSON.stringify(e.detail),
	]);
}

describe("an outbox row's text", () => {
	it("is the D1 row the earlier round trip sent, and gives back the event it handed projections", () => {
		fc.assert(
			fc.property(
				fc.stringMatching(/^[A-Za-z0-9._-]{1,64}(#[0-9])?$/),
				fc.integer({ min: 1, max: 2 ** 40 }),
				domainEvent,
				(sku, seq, domain) => {
					const event = toAuditEvent(sku, seq, domain);
					const text = eventRowText(sku, seq, domain);
					expect(text).toBe(earlierRow(event));
					expect(auditEventRowText(event)).toBe(text);
					expect(rowEventType(text)).toBe(domain.type);
					expect(auditEventOfRow(text)).toStrictEqual(JSON.parse(JSON.stringify(event)));
				},
			),
			{ numRuns: 500 },
		);
	});

	it("keeps a detail with quotes, escapes, non-ASCII and large numbers byte for byte", () => {
		const detail = {
			name: 'Quote " backslash \\ newline \n tab \t ünïcödé \u2028 😀',
			nested: { list: [1, 2.5, -3e-7, 1e21, true, null], empty: {} },
			amountCents: 2 ** 40,
		};
		const domain: DomainEvent = { type: "payment.succeeded", atMs: 0, detail };
		const text = eventRowText("S", 7, domain);
		expect(JSON.parse(text)[9]).toBe(JSON.stringify(detail));
		expect(auditEventOfRow(text).detail).toEqual(detail);
	});
});
