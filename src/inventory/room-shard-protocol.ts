// What the objects of a SKU split across shards exchange for its waiting room: the calls
// (RoomPeer), their answers and reports, the room state the shards must know and what the
// escrow row keeps of it, and how often a shard reports. The shard's side of the link is
// inventory/room-shard-gate.ts, the coordinator's inventory/room-shards.ts
// (docs/decisions/031-room-on-shards.md).

import type { PendingLapse } from "../domain/waiting-room.ts";
import type { Ticket } from "../shared/types.ts";

/**
 * A shard's report reaches the coordinator at most this often (the edge's own
 * freshness bound, worker/edge-snapshot.ts) — or less often with many shards, see
 * reportGapMs.
 */
export const ROOM_REPORT_GAP_MS = 100;
/**
 * Reports a second the coordinator takes from all its shards together, at most:
 * a fifth of the per-object budget docs/capacity.md plans with (500 calls/s), so
 * the room never crowds out the coordinator's own reserves, whatever K and the
 * reserve rate.
 */
export const ROOM_REPORTS_PER_SEC = 100;

/** The gap between two reports of one shard: 100 ms up to K = 11, then (K − 1) × 10 ms. */
export function reportGapMs(shards: number): number {
	return Math.max(ROOM_REPORT_GAP_MS, Math.ceil((1000 * (shards - 1)) / ROOM_REPORTS_PER_SEC));
}
/** How soon a failed report or an unconfirmed room state is sent again. */
export const ROOM_RETRY_MS = 1000;
/**
 * Holds one report's recount carries at most: a shard that kept many holds in the last
 * MAX_ADMIT_SECONDS recounts them over several reports, one page each, at the report gap
 * (about 60 bytes an entry: a report stays under ~60 KB).
 */
export const MAX_HELD_PER_REPORT = 1000;

/** The room as the shards must know it; `version` grows with every change the coordinator publishes. */
export interface ShardRoomState {
	enabled: boolean;
	/** The drop's seed commitment: admissions of an earlier drop (before a reset) are ignored. */
	commitment: string;
	version: number;
}

export interface ShardAdmission {
	sessionId: string;
	admittedUntilMs: number;
	/**
	 * The session read the product (the coordinator keeps the read with its ticket,
	 * inventory/readers.ts): the shard that judges its attempts counts it as a reader.
	 */
	read?: true;
}

/** The coordinator's answer about one session (`roomTickets`). */
export interface RoomAnswer {
	room: ShardRoomState | null;
	ticket: Ticket | null;
	/** Set while the session's admission lasts: it may reserve until then. */
	admittedUntilMs: number | null;
	retryAfterSeconds: number;
	/** The session read the product, as the coordinator knows (ShardAdmission.read). */
	read?: true;
}

/** What a shard tells the coordinator (`roomReport`). */
export interface RoomReport {
	index: number;
	reserved: number;
	sold: number;
	/** Admitted sessions that took a hold, with when. */
	uses: [sessionId: string, atMs: number][];
	/**
	 * The first reports after the shard loaded, a page each (at most MAX_HELD_PER_REPORT):
	 * the sessions that took a hold here within the longest admission, with their hold's
	 * time — the first holds a restart may have lost before they were reported (the
	 * coordinator counts one only for an admission not older than the hold; a repeat is
	 * harmless).
	 */
	held?: [sessionId: string, atMs: number][];
}

/** What the escrow row keeps for the room (JSON, no schema change). */
export interface RoomLedger {
	/** A shard: the room as it last heard; the coordinator: what it publishes. */
	state: ShardRoomState | null;
	/** Coordinator: per shard, the version it confirmed. */
	acked?: number[];
	/** Coordinator: per shard, units held and sold as last reported (shard 0's are live). */
	units?: { reserved: number; sold: number }[];
}

/** The calls between a split SKU's objects for the room (RPC methods of InventoryObject). */
export interface RoomPeer {
	/** One answer per session, in order. */
	roomTickets(sessionIds: string[]): Promise<RoomAnswer[]>;
	roomReport(report: RoomReport): Promise<ShardRoomState | null>;
	roomSync(state: ShardRoomState, admissions: ShardAdmission[]): Promise<number>;
	/** Each session's first hold within its ended admission, or null (one answer each, in order). */
	roomHeld(admissions: PendingLapse[]): Promise<(number | null)[]>;
}
