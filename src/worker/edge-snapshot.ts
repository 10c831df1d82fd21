// The edge's copy of each SKU's state, in this isolate's memory (docs/hot-path.md,
// "Answers at the edge"). Sold-out and not-started answers, and availability
// reads, are served from it while it is at most EDGE_SNAPSHOT_MAX_AGE_MS old,
// without a call to the SKU's object; an older copy is refreshed by the
// request that finds it stale (no request ever waits on another's promise:
// workerd cancels continuations resolved from another request's context).
//
// Every reserve answer carries the object's state right after its batch, so
// under load the copy is refreshed for free. Units that come back (cancel,
// expiry, a failed payment) are sellable again through the edge at most
// EDGE_SNAPSHOT_MAX_AGE_MS later; a cancel through this isolate forgets the
// copy at once. `asOf` is the object's clock at the moment the copy was taken,
// so a reader always sees how old it is (docs/hot-path.md).

import { BoundedMap } from "../domain/rate-counters.ts";
import type { EdgeSnapshot } from "../inventory/rpc.ts";

/**
 * How stale an edge answer may be. 100 ms is below what a person can notice
 * between two clicks, and it bounds the edge's refresh calls to 10 a second per
 * SKU per isolate however hot the SKU is.
 */
export const EDGE_SNAPSHOT_MAX_AGE_MS = 100;
/**
 * A copy this old is refreshed ahead of time: the first request that answers from it also asks
 * the object in the background (waitUntil), while the copy is still fresh enough to answer from.
 * Under steady load the copy then never goes stale, so no request waits on the object for a read
 * or a sold-out; without it, every request arriving while a stale copy was being refreshed went
 * to the object itself (docs/hot-path.md, "The edge's per-request cost").
 */
export const EDGE_SNAPSHOT_REFRESH_AFTER_MS = EDGE_SNAPSHOT_MAX_AGE_MS / 2;
/** SKUs whose copy an isolate keeps; the least recently used is forgotten first. */
export const MAX_EDGE_SNAPSHOTS = 1_000;
/** (SKU, session) pairs remembered as "has read the product" for the bot signal. */
export const MAX_EDGE_READERS = 100_000;

interface Copy {
	snapshot: EdgeSnapshot;
	/** This isolate's clock when the copy arrived (the copy is at least this fresh). */
	receivedAtMs: number;
	/** This isolate's clock when a background refresh was sent, while one is in flight. */
	refreshSentAtMs: number | null;
}

const copies = new BoundedMap<Copy>(MAX_EDGE_SNAPSHOTS);
/** SKUs split across shards: their shard count (never changes after create; absent: one object). */
const shardCounts = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);

/**
 * Split SKUs a shard just called sold out as a whole (no shard and not the pool had a
 * unit): this isolate's clock when it heard. Answered like a copy that says sold out,
 * for at most EDGE_SNAPSHOT_MAX_AGE_MS.
 */
const soldOutAt = new BoundedMap<number>(MAX_EDGE_SNAPSHOTS);

export function rememberSoldOut(sku: string, nowMs: number): void {
	soldOutAt.delete(sku);
	soldOutAt.use(sku, () => nowMs);
}

/** True while a split SKU's sold-out is fresh enough to repeat without a call. */
export function freshSoldOut(sku: string, nowMs: number): boolean {
	const at = soldOutAt.peek(sku);
	return at !== undefined && nowMs - at <= EDGE_SNAPSHOT_MAX_AGE_MS;
}

/** The SKU's shard count as this isolate knows it (1 until an object said otherwise). */
export function shardsOf(sku: string): number {
	return shardCounts.peek(sku) ?? 1;
}

export function rememberShards(sku: string, shards: number | undefined): void {
	if (shards !== undefined && shards > 1) shardCounts.use(sku, () => shards);
}
const readers = new BoundedMap<true>(MAX_EDGE_READERS);

export function rememberSnapshot(sku: string, snapshot: EdgeSnapshot, nowMs: number): void {
	rememberShards(sku, snapshot.shards);
	const copy = copies.use(sku, () => ({ snapshot, receivedAtMs: nowMs, refreshSentAtMs: null }));
	copy.snapshot = snapshot;
	copy.receivedAtMs = nowMs;
}

/**
 * True when refreshAhead would send a refresh now: a caller checks this first, so the closures it
 * hands refreshAhead are built only for the one request in EDGE_SNAPSHOT_REFRESH_AFTER_MS that
 * sends (docs/hot-path.md, "Edge CPU of a reserve and a sold-out answer").
 */
export function refreshDue(sku: string, nowMs: number): boolean {
	const copy = copies.peek(sku);
	if (copy === undefined || nowMs - copy.receivedAtMs < EDGE_SNAPSHOT_REFRESH_AFTER_MS)
		return false;
	return copy.refreshSentAtMs === null || nowMs - copy.refreshSentAtMs >= EDGE_SNAPSHOT_MAX_AGE_MS;
}

/**
 * Starts a background refresh of the SKU's copy when it is past EDGE_SNAPSHOT_REFRESH_AFTER_MS and
 * none is in flight; `load` asks the object, `defer` keeps the call alive past the response
 * (executionCtx.waitUntil). Nobody waits on the refresh: it only replaces the copy. The new copy
 * counts as taken when the refresh was sent (the object answered after that), and it replaces
 * only a copy older than that, so a reserve answer that arrived meanwhile is kept.
 */
export function refreshAhead(
	sku: string,
	nowMs: number,
	load: () => Promise<EdgeSnapshot | null>,
	defer: (refresh: Promise<unknown>) => void,
): void {
	const copy = copies.peek(sku);
	// One refresh in flight per copy; one that has not answered within the bound no longer blocks.
	if (copy === undefined || !refreshDue(sku, nowMs)) return;
	copy.refreshSentAtMs = nowMs;
	defer(
		load().then(
			(snapshot) => {
				if (copy.refreshSentAtMs === nowMs) copy.refreshSentAtMs = null;
				if (snapshot === null) return;
				const current = copies.peek(sku);
				if (current === undefined || current.receivedAtMs < nowMs)
					rememberSnapshot(sku, snapshot, nowMs);
			},
			(error: unknown) => {
				// The copy then ages out and the next request asks the object itself.
				if (copy.refreshSentAtMs === nowMs) copy.refreshSentAtMs = null;
				console.warn("edge snapshot refresh failed", String(error));
			},
		),
	);
}

/** Something changed the SKU through this isolate (cancel, reset, update): ask the object next time. */
export function forgetSnapshot(sku: string): void {
	copies.delete(sku);
	soldOutAt.delete(sku);
}

/** The SKU's copy if it is fresh enough to answer from, else null. */
export function freshSnapshot(sku: string, nowMs: number): EdgeSnapshot | null {
	const copy = copies.peek(sku);
	if (copy === undefined || nowMs - copy.receivedAtMs > EDGE_SNAPSHOT_MAX_AGE_MS) return null;
	return copy.snapshot;
}

/**
 * The answer the object would give for `quantity` units that needs no
 * decision of its own: not started, or fewer units available than asked.
 * Null when only the object can decide (including every attempt that could
 * succeed). Mirrors the order of checks in domain/inventory.ts (`check`).
 */
export function edgeRejection(
	snapshot: EdgeSnapshot,
	quantity: number,
	nowMs: number,
): "not_started" | "sold_out" | null {
	// With a waiting room the object answers a session that is not admitted (429 `queued`
	// with its ticket), before the start too (docs/waiting-room.md).
	if (snapshot.waitingRoom !== true && snapshot.startsAtMs !== null && nowMs < snapshot.startsAtMs)
		return "not_started";
	if (snapshot.availability.available < quantity) return "sold_out";
	return null;
}

export function markReader(sku: string, sessionId: string): void {
	readers.use(`${sku}\u0000${sessionId}`, () => true);
}

export function hasRead(sku: string, sessionId: string): boolean {
	return readers.peek(`${sku}\u0000${sessionId}`) === true;
}
