// Wire types of the public HTTP contract (docs/api.md). Used by the Worker,
// the UI and the CLI, so nothing here may import Workers or DOM types.

// A SKU's reserve-path metrics (GET /api/admin/products/:sku/metrics) are in metrics-types.ts.
export type * from "./metrics-types.ts";
// A SKU's waiting room (Product.waitingRoom, its tickets, Stats.queue) is in room-types.ts.
export type * from "./room-types.ts";

import type { AddressRefusals, LiveFeedCounts } from "./metrics-types.ts";
import type { QueueStats, WaitingRoomInfo } from "./room-types.ts";

export type HoldStatus =
	| "RESERVED"
	| "CHECKOUT_PENDING"
	| "PAID"
	| "EXPIRED"
	| "CANCELLED"
	| "PAYMENT_FAILED";

export type DropStatus = "scheduled" | "live" | "sold_out" | "closed";

export interface Availability {
	sku: string;
	total: number;
	available: number;
	reserved: number;
	sold: number;
	status: DropStatus;
	asOf: string;
}

export interface Product {
	sku: string;
	name: string;
	priceCents: number;
	currency: string;
	totalStock: number;
	holdSeconds: number;
	perUserLimit: number;
	startsAt: string | null;
	availability: Availability;
	/** Objects the SKU's stock is split across (docs/api.md, "Shards"; 1: one object). */
	shards?: number;
	/** docs/api.md "Waiting room"; null for a SKU whose room was never enabled (docs/waiting-room.md). */
	waitingRoom?: WaitingRoomInfo | null;
}

/**
 * What the server can say about fairness (docs/waiting-room.md, "Fairness the server
 * can see"; src/domain/fairness.ts): units per asking session and how the sessions
 * the bot signals look on as suspect fared. It cannot say who is a person.
 */
export interface FairnessStats {
	/** Sessions that asked for the SKU: took a ticket, made a reserve attempt, or hold units. */
	sessions: number;
	/** Units held or sold to them. */
	units: number;
	sessionsWithUnits: number;
	/** Jain's index over every asking session's units, (Σx)²/(n·Σx²); null before any unit. */
	jainIndex: number | null;
	/** Units per admission (a room's admittedTotal); null without a room or before any admission. */
	unitsPerAdmission: number | null;
	/**
	 * Whether the bot signals ran (they run with the rate limits, docs/rate-limits.md).
	 * Without them every group below is null: the server knows nothing of the sessions.
	 */
	signals: boolean;
	clear: FairnessGroup | null;
	flagged: FairnessGroup | null;
	unread: FairnessGroup | null;
	/**
	 * Clear sessions' share of the units ÷ their share of the asking sessions: 1 when
	 * the sessions the signals have nothing against got their share. Null while there
	 * is no unit, or no clear session.
	 */
	clearShareRatio: number | null;
	/**
	 * When the memory behind these figures began (ISO): the reserve guard's, which keeps each
	 * session's attempts and flags in the SKU's object only, so it starts again when the object
	 * starts or wakes (workerd evicts an idle one). A split SKU's: the latest of its objects'.
	 * Extension (docs/decisions/193-fairness-counted-since-the-object-woke.md).
	 */
	countedSince: string;
	/**
	 * Reserve attempts were decided before `countedSince`: the sessions whose attempts then all
	 * failed (no unit, no ticket) are missing from `sessions`, and the flags of then from the
	 * groups, so the figures (the Jain index too) are not the whole drop's.
	 */
	partial: boolean;
}

/** The sessions of one bot-signal group (clear, flagged, unread) and the units they got. */
export interface FairnessGroup {
	sessions: number;
	units: number;
}

export interface Reservation {
	reservationId: string;
	sku: string;
	quantity: number;
	status: HoldStatus;
	createdAt: string;
	expiresAt: string;
	expiresInSeconds: number;
	orderId?: string | null;
	/**
	 * The price per unit and currency this hold was taken at: what its checkout charges, even
	 * if the product's price changes later (docs/checkout.md, "Which price a hold pays").
	 * Absent only in an old, ended hold.
	 */
	priceCents?: number;
	currency?: string;
}

/**
 * GET /api/products/:sku/holds/mine: the session's holds on the SKU that still stand (RESERVED,
 * CHECKOUT_PENDING, oldest first) and its count for the limit, the units it holds or bought
 * (docs/api.md, "The session's holds").
 */
export interface SessionHolds {
	holds: Reservation[];
	usedUnits: number;
	perUserLimit: number;
	/**
	 * When the session's cool-down on the SKU ends (ISO), while one runs: its own hold ended
	 * unpaid lately, and its reserves are refused 429 `hold_cooldown` until then. Null otherwise.
	 */
	coolDownUntil: string | null;
}

export interface Order {
	orderId: string;
	reservationId: string;
	sku: string;
	quantity: number;
	amountCents: number;
	currency: string;
	status: "PAID" | "REFUNDED";
	paidAt: string;
}

export type EventType =
	| "product.created"
	| "product.updated"
	| "reservation.created"
	| "reservation.cancelled"
	| "reservation.expired"
	| "checkout.started"
	| "payment.succeeded"
	| "payment.attempt_failed"
	| "payment.failed"
	| "payment.refunded"
	| "order.created"
	| "inventory.reset"
	// The waiting room (src/domain/waiting-room.ts): they move no unit.
	| "queue.enabled"
	| "queue.updated"
	| "queue.ticket"
	| "queue.started"
	| "queue.admitted"
	| "queue.lapsed"
	| "queue.sold_out"
	| "queue.reset";

/** Which failure a 402 payment_declined reports (docs/api.md, "Checkout after a failed payment"). */
export type PaymentFailureOutcome = "declined" | "provider_error" | "not_confirmed";

/**
 * `error.payment` of a 402: what happened, whether money may have moved, and
 * whether the hold is still the buyer's for another payment method.
 */
export interface PaymentFailure {
	outcome: PaymentFailureOutcome;
	/** "no" when the provider said the charge was not made; "unknown" when a capture may
	 * exist (it is then looked for and refunded). */
	charged: "no" | "unknown";
	/** True: the hold is RESERVED again until its own expiresAt. False: it was released. */
	holdKept: boolean;
	/** Failed payments on this hold so far, this one included. */
	failedPayments: number;
	/** Failed payments a hold tolerates; the last of them releases it. */
	maxFailedPayments: number;
	/** The provider's own reason code (e.g. `generic_decline`) when it gave one: for developers
	 * and logs, never part of `message`, which is worded for the buyer. */
	providerReason?: string;
}

export interface AuditEvent {
	id: string;
	seq: number;
	sku: string;
	type: EventType;
	at: string;
	/** A SKU split across shards: the shard whose trail this is (`seq` counts within it). */
	shard?: number;
	/**
	 * The operator's trail (GET /api/admin/products/:sku/events) only: the event's place in the
	 * trail, the cursor `after` and `before` take (docs/api.md, "Following the audit trail").
	 */
	cursor?: string;
	reservationId?: string;
	orderId?: string;
	quantity?: number;
	sessionId?: string;
	detail?: Record<string, unknown>;
}

export interface ShardStats {
	index: number;
	allotment: number;
	available: number;
	reserved: number;
	sold: number;
	/** Reserve attempts this shard's object decided (the calls Cloudflare's per-object limit counts). */
	decisions: number;
}

/**
 * A SKU's live feed in its stats (docs/api.md; docs/decisions/156-the-live-feeds-places-in-the-stats.md):
 * what is open now, read from the runtime's own list of sockets (exact), and what was closed or
 * refused (LiveFeedCounts), counted since the last reset like the rejection counters (a crash may
 * lose the last second of them).
 */
export interface LiveFeedStats extends LiveFeedCounts {
	/** Sockets open now. */
	open: number;
	/** MAX_LIVE_SOCKETS: past it an upgrade is refused 503 once the silent sockets are closed. */
	cap: number;
	/** MAX_LIVE_SOCKETS_PER_ADDRESS: past it an address's upgrade is refused 429 likewise. */
	perAddressCap: number;
	/** Client addresses with a socket open (by their daily tag: one across midnight UTC may count twice). */
	addresses: number;
	/** The most sockets one address holds open (0 with none open). */
	mostByOneAddress: number;
	/** Addresses holding `perAddressCap` sockets or more: their next upgrade needs a silent one closed. */
	addressesAtCap: number;
}

export interface Stats {
	sku: string;
	total: number;
	available: number;
	reserved: number;
	sold: number;
	oversellCount: number;
	attempts: number;
	rejected: Record<string, number>;
	/** Reserve attempts the SKU's object decided (docs/api.md v1.1). */
	decisions: number;
	/** Durable transactions that carried those decisions: decisions ÷ commits is the group-commit factor. */
	commits: number;
	/** Attempts the edge answered from its snapshot (sold out, not started) without an object call. */
	edgeAnswered: number;
	/**
	 * Refusals at the per-address caps that are not reserve attempts (docs/api.md v1.1): absent
	 * from a server that does not count them. Never part of `attempts` or `rejected`.
	 */
	addressRefusals?: AddressRefusals;
	/**
	 * The live feed's places as the object that keeps them sees them (docs/api.md v1.1; a split
	 * SKU's coordinator): absent from a server that does not report them.
	 */
	live?: LiveFeedStats;
	/** A SKU split across shards: each shard's allotment and counters (docs/api.md, "Shards"). */
	shards?: ShardStats[];
	/** A SKU split across shards: units in the coordinator's pool, in no shard's allotment. */
	pool?: number;
	/** Eventual mode's allocations (docs/api.md, "Demo modes"); null while D1 cannot be read. */
	eventual?: { allocated: number; oversellDelta: number } | null;
	/** The waiting room's figures; absent for a SKU whose room was never enabled. */
	queue?: QueueStats;
	/** On a SKU split across shards, every shard's sessions joined (inventory/split-sku-views.ts). */
	fairness?: FairnessStats;
	/**
	 * When the SKU's object read these counters (its clock, as a live frame's `asOf`); on a
	 * split SKU, when the coordinator began asking its shards. Extension (docs/api.md).
	 */
	asOf: string;
}

export type ErrorCode =
	| "invalid_request"
	| "unauthorized"
	| "payment_declined"
	| "turnstile_failed"
	| "purchase_limit"
	| "forbidden"
	| "not_found"
	| "unknown_sku"
	| "sold_out"
	| "not_started"
	| "invalid_state"
	| "already_exists"
	| "reservation_expired"
	| "payload_too_large"
	| "unsupported_media_type"
	| "rate_limited"
	| "queued"
	| "hold_cooldown"
	| "unavailable"
	| "cost_limit"
	| "internal_error";

/** What one request did, in the units Cloudflare bills (src/domain/pricing.ts prices them). */
export interface UsageCounts {
	workerRequests: number;
	/** An estimate: a Worker cannot read its own CPU time (see src/worker/cost/meter.ts). */
	workerCpuMs: number;
	doRequests: number;
	/** Wall-clock time of the object calls as seen from the Worker; billed as GB-s at 128 MB. */
	doWallMs: number;
	doRowsRead: number;
	doRowsWritten: number;
	d1RowsRead: number;
	d1RowsWritten: number;
	kvReads: number;
	/** Writes, deletes and lists: one list price. */
	kvWrites: number;
	aePoints: number;
}

/** meta.cost: this request's modelled cost on list prices and the session's running total. */
export interface CostLedger {
	/** This request, USD at Cloudflare's list prices. */
	requestUsd: number;
	usage: UsageCounts;
	/** "session": the totals are the session's; "request": no session, the totals are this request's. */
	scope: "session" | "request";
	/** Running total, USD at list prices. */
	virtualUsd: number;
	/** virtualUsd × billingScale, rounded down to whole cents: what would really be billed. */
	realUsd: number;
	billingScale: number;
	/** DEMO_COST_LIMIT: a session whose realUsd would pass it is refused (503 cost_limit). */
	limitUsd: number;
	/** The date of the price table (src/domain/pricing.ts). */
	pricesAsOf: string;
}

/** meta.guardrail: trips once the running virtual total passes the threshold; nothing is refused for it. */
export interface Guardrail {
	thresholdUsd: number;
	tripped: boolean;
	/** "demo": the session's own threshold (POST /api/demo/guardrail); absent: GUARDRAIL_VIRTUAL_USD. */
	source?: "demo";
	/** With source "demo": the presenter tripped it (POST /api/demo/guardrail/trip), whatever the spend. */
	manual?: boolean;
}

export interface Meta {
	requestId: string;
	latencyMs: number;
	/** Present on every JSON response (src/worker/http.ts meta()). */
	cost?: CostLedger;
	guardrail?: Guardrail;
}

export interface SuccessEnvelope<T> {
	data: T;
	meta: Meta;
}

export interface ErrorEnvelope {
	error: { code: ErrorCode; message: string };
	meta: Meta;
}

/** GET /api/config: what a page needs before it starts. Public values only. */
export interface UiConfig {
	/** Turnstile site key (public by design). */
	turnstileSiteKey: string;
	/** ENVIRONMENT=local: the page may fall back to a local check that sends Turnstile's dummy token. */
	localTurnstile: boolean;
	/** The configured payment provider: the storefront offers only the test methods it takes. */
	paymentProvider: "simulated" | "stripe";
}
