// Row ⇄ domain ⇄ wire conversions for the SKU object.

import type { DomainEvent, Hold, Inventory } from "../domain/inventory.ts";
import type {
	AuditEvent,
	Availability,
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
