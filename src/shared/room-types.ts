// Wire types of a SKU's waiting room in the public HTTP contract (docs/api.md v1.1, "Waiting
// room"), re-exported by types.ts. Nothing here may import Workers or DOM types.

/** Product.waitingRoom (docs/api.md v1.1, "Waiting room"). */
export interface WaitingRoomInfo {
	enabled: boolean;
	admitSeconds: number;
	overbook: number;
	/** SHA-256 (hex) of the seed, published when the room was enabled. */
	seedCommitment: string;
	/** The seed itself, from `startsAt` on (null before): anyone can recompute the order. */
	seed: string | null;
	waiting: number;
	admitted: number;
}

export type TicketState = "waiting" | "admitted" | "sold_out" | "expired";

/** A session's place in a SKU's waiting room (docs/api.md v1.1, "Waiting room"). */
export interface Ticket {
	ticketId: string;
	sku: string;
	state: TicketState;
	/** 1 is next; null in the pre-queue (before startsAt) and once not waiting. */
	position: number | null;
	/** From the last minute's admission rate (docs/waiting-room.md); null when nothing was measured. */
	etaSeconds: number | null;
	/** This repository's extension: the estimator's band around etaSeconds (docs/waiting-room.md). */
	etaRangeSeconds: { low: number; high: number } | null;
	admittedUntil: string | null;
	joinedAt: string;
}

/** Stats.queue (docs/api.md v1.1). */
export interface QueueStats {
	waiting: number;
	admitted: number;
	admittedTotal: number;
	lapsed: number;
	soldOutTickets: number;
	/** Admissions per second over the last minute (docs/waiting-room.md). */
	admissionsPerSec: number;
	/**
	 * A SKU split across shards: the room's calls between the coordinator and the
	 * shards since the coordinator last started (docs/waiting-room.md, "Where the queue lives").
	 */
	shardCalls?: RoomShardCalls;
}

/** Calls the coordinator of a split SKU's room answered or made (memory only). */
export interface RoomShardCalls {
	/** A shard asked about the sessions of a reserve call it had no word on (one call each time). */
	asks: number;
	/** A shard reported its units and used admissions. */
	reports: number;
	/** The coordinator pushed admissions or the room's state to a shard. */
	pushes: number;
	/**
	 * The coordinator asked a shard whether the sessions of ended admissions held units within
	 * them (`roomHeld`, one call per shard per question; docs/decisions/092-review-11-leftovers.md).
	 */
	held: number;
}
