// What the SKU object's RPC methods return: expected outcomes as values.

import type { GuardCoverage, SessionSummary } from "../domain/fairness.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import type { ReserveRefusal } from "../ratelimit/reserve-guard.ts";
import type { Availability, Order, Product, Reservation, Stats, Ticket } from "../shared/types.ts";
import type { SqlRows } from "./rows.ts";

export interface ReserveRequest {
	/** Minted by the caller so the id encodes the SKU (see worker/ids.ts). */
	id: string;
	sessionId: string;
	quantity: number;
	idempotencyKey: string | null;
	/** When the attempt reached the edge (its Date.now()): the bot signals time gaps by it. */
	arrivedAtMs?: number;
	/**
	 * The edge saw this session read the product (an availability answered from
	 * its snapshot never reached the object): the "prior read" bot signal.
	 */
	priorRead?: boolean;
	/**
	 * The edge coalesced this attempt into a batch and may send it once more, with
	 * the same id, if the batch's answer does not reach it (worker/reserve-coalescer.ts).
	 * The object answers a second arrival of the id with its first decision
	 * (domain/attempt-memo.ts).
	 */
	coalesced?: boolean;
	/** This is that second sending: a hold with this id, if there is one, is its answer. */
	repeat?: boolean;
}

/** recordRejections key: reserve attempts the edge answered without calling the object. */
export const EDGE_ANSWERED = "edge.answered";
/**
 * recordRejections key prefix: reserve requests the edge answered with a
 * latency in bucket N (domain/timeseries.ts latencyBucket), e.g. "edge.latency.7".
 */
export const EDGE_LATENCY_PREFIX = "edge.latency.";

/** What one delivery of the edge's tallies carries, read once for the stats and the metrics. */
export interface EdgeCounts {
	/** Reserve attempts answered from the edge's copy (EDGE_ANSWERED). */
	answered: number;
	/** Requests per latency bucket (EDGE_LATENCY_PREFIX + bucket). */
	latency: [bucket: number, n: number][];
	/** Refusals by stats key (everything else). */
	rejected: Record<string, number>;
}

/** Splits a tally delivery into its kinds; counts that are not positive integers are dropped. */
export function readEdgeCounts(counts: Record<string, number>): EdgeCounts {
	const out: EdgeCounts = { answered: 0, latency: [], rejected: {} };
	for (const [key, n] of Object.entries(counts)) {
		if (!Number.isSafeInteger(n) || n <= 0) continue;
		if (key === EDGE_ANSWERED) out.answered += n;
		else if (key.startsWith(EDGE_LATENCY_PREFIX)) {
			out.latency.push([Number(key.slice(EDGE_LATENCY_PREFIX.length)), n]);
		} else out.rejected[key] = (out.rejected[key] ?? 0) + n;
	}
	return out;
}

/** The SKU's state as the edge may cache it (worker/edge-snapshot.ts). */
export interface EdgeSnapshot {
	availability: Availability;
	startsAtMs: number | null;
	/** Objects the SKU is split across; absent means one (docs/decisions/020-escrow-shards.md). */
	shards?: number;
	/** An enabled waiting room: "not started" is not the edge's answer, the room's 429 is. */
	waitingRoom?: boolean;
}

/** reserveWithMeta: the results plus the rows they cost and the state right after the batch. */
export interface ReserveAnswer {
	results: ReserveResult[];
	sqlRows: SqlRows;
	/** Null for an unknown SKU, and from a shard of a split SKU (its counters are not the SKU's). */
	snapshot: EdgeSnapshot | null;
	/**
	 * A split SKU: the number of shards. With `misrouted`, nothing was decided:
	 * the session's attempts belong to shard `shardOf(sessionId, shards)`.
	 */
	shards?: number;
	misrouted?: boolean;
	/**
	 * A split SKU: no shard and not the pool had a unit just now (the shard's sold-out memo), and
	 * how much longer, ms, the memo lasted when the shard decided (inventory/escrow-shard.ts).
	 */
	skuSoldOutForMs?: number;
}

/** One shard's counters for the coordinator's whole-SKU views. */
export interface ShardCounters {
	index: number;
	allotment: number;
	reserved: number;
	sold: number;
	attempts: number;
	rejected: Record<string, number>;
	decisions: number;
	commits: number;
	edgeAnswered: number;
	/**
	 * Asked for by a stats read only (not by the availability merges): what the shard
	 * knows per session, for the whole SKU's fairness figures (split-sku-views.ts).
	 */
	sessions?: SessionSummary[];
	/** With `sessions`: what the shard's guard covers (domain/fairness.ts coverageAcross); absent from an older shard. */
	coverage?: GuardCoverage;
}

export type ReserveResult =
	| { ok: true; reservation: Reservation; replayed?: boolean }
	| {
			ok: false;
			code: "sold_out" | "not_started" | "purchase_limit" | "unknown_sku";
			replayed?: boolean;
			/**
			 * purchase_limit: the SKU's per-buyer limit, the units the session held or bought
			 * before the attempt and those it asked for, for the 403's sentence
			 * (worker/reserve-answer.ts). Absent from an outcome stored before they were carried.
			 */
			perUserLimit?: number;
			usedUnits?: number;
			askedUnits?: number;
	  }
	/**
	 * The session's own hold on the SKU ended unpaid a moment ago (domain/hold-cooldown.ts): it may
	 * reserve the SKU again in `retryAfterSeconds`; never stored as an idempotent outcome.
	 */
	| { ok: false; code: "hold_cooldown"; retryAfterSeconds: number; replayed?: boolean }
	/** The session's reserve limit (ratelimit/reserve-guard.ts); never stored as an idempotent outcome. */
	| { ok: false; code: "rate_limited"; refusal: ReserveRefusal; replayed?: boolean }
	/** The SKU has an enabled waiting room and the session is not admitted (inventory/waiting-room.ts); never stored. */
	| {
			ok: false;
			code: "queued";
			ticket: Ticket | null;
			retryAfterSeconds: number;
			replayed?: boolean;
	  };

/** POST /api/products/:sku/queue: `created` false when the session already had its ticket. */
export type JoinResult =
	| { ok: true; ticket: Ticket; created: boolean }
	| { ok: false; code: "invalid_state" | "queue_full" | "unread_full" | "unknown_sku" }
	/**
	 * `perUserLimit`: the SKU's per-buyer limit the session has reached; `usedUnits`: the units the
	 * session holds or bought of it (the 403 names both, docs/api.md "Waiting room").
	 */
	| { ok: false; code: "purchase_limit"; perUserLimit: number; usedUnits: number }
	/**
	 * The session's address holds `perAddress` places in this room already (RATE_LIMIT_ROOM_TICKETS
	 * for an IPv6 prefix, RATE_LIMIT_ROOM_TICKETS_IPV4 for an IPv4 address).
	 */
	| { ok: false; code: "address_full"; perAddress: number };

/** `replayed`: the product already existed with this very definition (a retried create). */
export type CreateResult =
	| { ok: true; product: Product; replayed?: boolean }
	| { ok: false; code: "already_exists" }
	/** `create` with `onlyIfStored`: no product is stored here, and none was created. */
	| { ok: false; code: "unknown_sku" };
export type UpdateResult =
	| { ok: true; product: Product }
	| { ok: false; code: "unknown_sku" | "invalid_state" };
/** A PATCH's answer: an update's, or a start a started room cannot take (inventory/waiting-room.ts startMove). */
export type PatchResult = UpdateResult | { ok: false; code: "start_moved" };
export type StatsResult = { ok: true; stats: Stats } | { ok: false; code: "unknown_sku" };
/**
 * GET /api/products/:sku/holds/mine (docs/decisions/122-a-buyers-read-of-the-sessions-holds.md):
 * the session's holds that still stand and its count for the limit, from the object that decides
 * its reserves. `misrouted`: a split SKU's object that does not; the session's is
 * `shardOf(sessionId, shards)`, and nothing was read.
 */
export type SessionHoldsResult =
	| {
			ok: true;
			holds: Reservation[];
			usedUnits: number;
			perUserLimit: number;
			/** The session's cool-down on the SKU, when one runs: its end, ISO. */
			coolDownUntil: string | null;
	  }
	| { ok: false; code: "unknown_sku" }
	| { ok: false; code: "misrouted"; shards: number };
export type ReservationResult =
	| { ok: true; reservation: Reservation }
	| { ok: false; code: "not_found" };
export type CancelResult =
	| { ok: true; reservation: Reservation }
	| { ok: false; code: "not_found" }
	| { ok: false; code: "invalid_state" | "reservation_expired"; reservation: Reservation };

// The checkout's request and answer are the saga's own (src/domain/checkout-state.ts).
export type {
	CheckoutFailureCode,
	CheckoutRequest,
	CheckoutResult,
} from "../domain/checkout-state.ts";

export type OrderResult = { ok: true; order: Order } | { ok: false; code: "not_found" };
/**
 * A page of this object's holds for the operator (docs/api.md, "Reading a drop's holds"): each
 * as its owner would read it, with its order when paid; `more` while rows remain after `lastRow`.
 */
export type HoldsPageResult =
	| {
			ok: true;
			holds: (Reservation & { order: Order | null })[];
			lastRow: number;
			more: boolean;
	  }
	| { ok: false; code: "unknown_sku" };

/**
 * What eventual mode needs of the SKU, in one call to its own object and without a merge of a
 * split SKU's shards (inventory/eventual-rules.ts; worker/eventual.ts): the drop's rules, and
 * whether a reset is still on its way to D1 (resetUnprojected). `refused`: with an
 * EventualAsk, the object's reserve limit's or waiting room's answer to the attempt, else null.
 */
export interface EventualReadRules {
	perUserLimit: number;
	resetPending: boolean;
	/** The whole SKU's stock (a split SKU's: its coordinator's ledger, escrow.ts `total`). */
	totalStock: number;
	startsAt: string | null;
	holdSeconds: number;
	refused: Extract<ReserveResult, { code: "rate_limited" | "queued" }> | null;
}

/**
 * An eventual reserve's attempt, gated by the object in the same call as its rules: counted by the
 * reserve limit when `limits` is given (null: not counted here), then the waiting room's gate.
 */
export interface EventualAsk {
	sessionId: string;
	arrivedAtMs: number;
	limits: ReserveLimits | null;
}
