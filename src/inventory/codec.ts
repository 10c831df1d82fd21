// Row ⇄ domain ⇄ wire conversions for the SKU object.

import type { DomainEvent, Hold, Inventory } from "../domain/inventory.ts";
import type {
	AuditEvent,
	Availability,
	EventType,
	HoldStatus,
	Product,
	Reservation,
} from "../shared/types.ts";

export type HoldRow = {
	id: string;
	session_id: string;
	quantity: number;
	status: string;
	created_at: number;
	expires_at: number;
	idem_key: string | null;
	order_id: string | null;
	payment_deadline: number | null;
	price_cents: number | null;
	currency: string | null;
};

export function holdFromRow(r: HoldRow): Hold {
	return {
		id: r.id,
		sessionId: r.session_id,
		quantity: r.quantity,
		status: r.status as HoldStatus,
		createdAtMs: r.created_at,
		expiresAtMs: r.expires_at,
		idempotencyKey: r.idem_key,
		orderId: r.order_id,
		paymentDeadlineMs: r.payment_deadline,
		priceCents: r.price_cents,
		currency: r.currency,
	};
}

export function holdParams(h: Hold): (string | number | null)[] {
	return [
		h.id,
		h.sessionId,
		h.quantity,
		h.status,
		h.createdAtMs,
		h.expiresAtMs,
		h.idempotencyKey,
		h.orderId,
		h.paymentDeadlineMs,
		h.priceCents,
		h.currency,
	];
}

export function toReservation(sku: string, h: Hold, nowMs: number): Reservation {
	const live = h.status === "RESERVED";
	return {
		reservationId: h.id,
		sku,
		quantity: h.quantity,
		status: h.status,
		createdAt: new Date(h.createdAtMs).toISOString(),
		expiresAt: new Date(h.expiresAtMs).toISOString(),
		expiresInSeconds: live ? Math.max(0, Math.ceil((h.expiresAtMs - nowMs) / 1000)) : 0,
		orderId: h.orderId,
		// The price this hold pays (docs/api.md, Reservation); absent only in a hold that ended
		// before holds kept their price.
		...(h.priceCents === null || h.currency === null
			? {}
			: { priceCents: h.priceCents, currency: h.currency }),
	};
}

export function toAvailability(inv: Inventory, nowMs: number): Availability {
	return {
		sku: inv.product.sku,
		...inv.counters(),
		status: inv.status(nowMs),
		asOf: new Date(nowMs).toISOString(),
	};
}

export function toProduct(inv: Inventory, nowMs: number): Product {
	const p = inv.product;
	return {
		sku: p.sku,
		name: p.name,
		priceCents: p.priceCents,
		currency: p.currency,
		totalStock: p.totalStock,
		holdSeconds: p.holdSeconds,
		perUserLimit: p.perUserLimit,
		startsAt: p.startsAtMs === null ? null : new Date(p.startsAtMs).toISOString(),
		availability: toAvailability(inv, nowMs),
		shards: 1,
	};
}

export function toAuditEvent(sku: string, seq: number, e: DomainEvent): AuditEvent {
	return {
		id: `${sku}:${seq}`,
		seq,
		sku,
		type: e.type,
		at: new Date(e.atMs).toISOString(),
		...(e.reservationId !== undefined ? { reservationId: e.reservationId } : {}),
		...(e.orderId !== undefined ? { orderId: e.orderId } : {}),
		...(e.quantity !== undefined ? { quantity: e.quantity } : {}),
		...(e.sessionId !== undefined ? { sessionId: e.sessionId } : {}),
		...(e.detail !== undefined ? { detail: e.detail } : {}),
	};
}

/**
 * Columns of a D1 `events` row (migrations/0001_init.sql) in the order an outbox row's text
 * holds them: the type first, so the outbox can tell which rows a projection reads without
 * parsing the others (`rowEventType`).
 */
export const EVENT_ROW_COLUMNS =
	"type, id, sku, seq, at, reservation_id, order_id, quantity, session_id, detail";
/** How many values EVENT_ROW_COLUMNS names. */
export const EVENT_ROW_WIDTH = 10;

/**
 * The text an audit event is kept as in the outbox: a JSON array of its D1 row
 * (EVENT_ROW_COLUMNS), which the outbox sends to D1 as it is (outbox.ts d1RowSetInserts). The
 * detail is the column's own text, JSON inside the array's string.
 */
export function eventRowText(sku: string, seq: number, e: DomainEvent): string {
	return rowText(e.type, `${sku}:${seq}`, sku, seq, new Date(e.atMs).toISOString(), e);
}

/** `eventRowText` of an audit event already built (a test's, or an outbox row written as one). */
export function auditEventRowText(e: AuditEvent): string {
	return rowText(e.type, e.id, e.sku, e.seq, e.at, e);
}

/** The one place the row's columns are put in EVENT_ROW_COLUMNS order. */
function rowText(
	type: EventType,
	id: string,
	sku: string,
	seq: number,
	at: string,
	e: Pick<DomainEvent, "reservationId" | "orderId" | "quantity" | "sessionId" | "detail">,
): string {
	return JSON.stringify([
		type,
		id,
		sku,
		seq,
		at,
		e.reservationId ?? null,
		e.orderId ?? null,
		e.quantity ?? null,
		e.sessionId ?? null,
		e.detail === undefined ? null : JSON.stringify(e.detail),
	]);
}

type EventRow = [
	EventType,
	string,
	string,
	number,
	string,
	string | null,
	string | null,
	number | null,
	string | null,
	string | null,
];

/** The audit event an `eventRowText` holds, as `toAuditEvent` builds it (absent fields left out). */
export function auditEventOfRow(text: string): AuditEvent {
	const [type, id, sku, seq, at, reservationId, orderId, quantity, sessionId, detail] = JSON.parse(
		text,
	) as EventRow;
	return {
		id,
		seq,
		sku,
		type,
		at,
		...(reservationId !== null ? { reservationId } : {}),
		...(orderId !== null ? { orderId } : {}),
		...(quantity !== null ? { quantity } : {}),
		...(sessionId !== null ? { sessionId } : {}),
		...(detail !== null ? { detail: JSON.parse(detail) as Record<string, unknown> } : {}),
	};
}

/**
 * The type of the event an `eventRowText` holds, read without parsing it: the text starts
 * `["<type>",` and a type is one of EventType's names, which JSON writes without escapes.
 */
export function rowEventType(text: string): EventType {
	return text.slice(2, text.indexOf('"', 2)) as EventType;
}
