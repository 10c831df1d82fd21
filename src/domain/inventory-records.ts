// The records of one SKU's stock model (domain/inventory.ts): the product as configured, a hold,
// an audit event, the counters and the snapshot the model is rebuilt from, and the outcomes of
// its operations. Plain data, shared by the model, its codecs (inventory/codec.ts) and its storage
// (inventory/records.ts).

import type { EventType, HoldStatus } from "../shared/types.ts";

export interface ProductConfig {
	sku: string;
	name: string;
	priceCents: number;
	currency: string;
	totalStock: number;
	holdSeconds: number;
	perUserLimit: number;
	startsAtMs: number | null;
	/**
	 * False keeps the product out of GET /api/products while the edge still
	 * knows it (the demo's per-session sandboxes, src/worker/sandbox.ts).
	 * Absent means listed.
	 */
	listed?: boolean;
}

export interface Hold {
	id: string;
	sessionId: string;
	quantity: number;
	status: HoldStatus;
	createdAtMs: number;
	expiresAtMs: number;
	idempotencyKey: string | null;
	orderId: string | null;
	/** While CHECKOUT_PENDING: when the saga must have settled (bounded in-flight state). */
	paymentDeadlineMs: number | null;
	/**
	 * The product's price per unit and currency when the hold was taken: what its checkout
	 * charges, whatever the operator sets later (docs/checkout.md, "Which price a hold pays").
	 * Null only in a hold that ended before holds kept their price (inventory/schema.ts
	 * migration 8); such a hold cannot be paid, and its reads leave the price out.
	 */
	priceCents: number | null;
	currency: string | null;
}

export interface DomainEvent {
	type: EventType;
	atMs: number;
	reservationId?: string;
	orderId?: string;
	quantity?: number;
	sessionId?: string;
	detail?: Record<string, unknown>;
}

export interface Counters {
	total: number;
	available: number;
	reserved: number;
	sold: number;
}

export interface InventorySnapshot {
	product: ProductConfig;
	reserved: number;
	sold: number;
	attempts: number;
	rejected: Record<string, number>;
}

export type ReserveRejection = "sold_out" | "not_started" | "purchase_limit";
export type ReserveOutcome =
	| { ok: true; hold: Hold }
	| { ok: false; code: ReserveRejection }
	/**
	 * The session's own hold on the SKU ended unpaid a moment ago (domain/hold-cooldown.ts):
	 * refused until `retryAtMs`. Passes with time, so never stored as a key's outcome.
	 */
	| { ok: false; code: "hold_cooldown"; retryAtMs: number };
export type TransitionOutcome =
	| { ok: true; hold: Hold }
	| { ok: false; code: "invalid_state" | "reservation_expired" };

export interface ReserveAttempt {
	id: string;
	sessionId: string;
	quantity: number;
	idempotencyKey: string | null;
	nowMs: number;
	/**
	 * A shard of a split SKU: units available outside this object (the pool and the other
	 * shards) as just counted. It only decides between sold_out and purchase_limit for an
	 * attempt the purchase limit refuses, which takes no unit; it never lets an attempt take
	 * one. Absent (0) for a SKU in one object.
	 */
	stockElsewhere?: number;
}

const LIVE_STATUSES: ReadonlySet<HoldStatus> = new Set(["RESERVED", "CHECKOUT_PENDING"]);

export function isActive(status: HoldStatus): boolean {
	return LIVE_STATUSES.has(status);
}
