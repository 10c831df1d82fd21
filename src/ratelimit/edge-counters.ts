// The edge's own limiter state, in this isolate's memory: per-IP token buckets
// (reads, writes, session creation) and the refusals counted here but reported
// in the SKU's stats. Memory is the only option that costs nothing measurable
// on the read path (docs/decisions/010-rate-limit-counters.md); the price is that in
// production each isolate counts on its own, like the Workers Rate Limiting
// binding counts per location — these are the coarse, volumetric layer (FR-7
// layer 1, docs/rate-limits.md), not a promise to a buyer.
//
// IPs are held only in memory, only as map keys, and never logged or stored.

import { BoundedMap, type Decision, TokenBucket } from "../domain/rate-counters.ts";
import { sleep } from "../shared/sleep.ts";

/** IPs tracked per bucket kind; the least recently seen are forgotten first (a forgotten IP starts full). */
export const MAX_TRACKED_IPS = 100_000;
/** Refusal counts are sent at most this often per target per isolate (one RPC per target per interval). */
export const TALLY_FLUSH_INTERVAL_MS = 1000;
/** SKUs with counts waiting; beyond this (SKU names come from request paths) counts go to the global totals. */
export const MAX_TALLY_TARGETS = 1000;

export type IpLimit = "reads" | "writes" | "sessions" | "sandbox";

const buckets: Record<IpLimit, BoundedMap<TokenBucket>> = {
	reads: new BoundedMap(MAX_TRACKED_IPS),
	writes: new BoundedMap(MAX_TRACKED_IPS),
	sessions: new BoundedMap(MAX_TRACKED_IPS),
	sandbox: new BoundedMap(MAX_TRACKED_IPS),
};

export function takeIp(
	kind: IpLimit,
	ip: string,
	nowMs: number,
	limit: number,
	windowMs: number,
): Decision {
	return buckets[kind].use(ip, () => new TokenBucket(limit, nowMs)).take(nowMs, limit, windowMs);
}

/** Counts a request already served against the IP, into debt if need be (TokenBucket.charge). */
export function chargeIp(
	kind: IpLimit,
	ip: string,
	nowMs: number,
	limit: number,
	windowMs: number,
): void {
	buckets[kind].use(ip, () => new TokenBucket(limit, nowMs)).charge(nowMs, limit, windowMs);
}

/** Would a take succeed? Changes nothing; an unseen IP is full. */
export function ipWouldAllow(
	kind: IpLimit,
	ip: string,
	nowMs: number,
	limit: number,
	windowMs: number,
): boolean {
	const bucket = buckets[kind].peek(ip);
	return bucket === undefined ? limit >= 1 : bucket.wouldAllow(nowMs, limit, windowMs);
}

/** Where a refusal is reported: a SKU's stats, or the global totals when it belongs to no SKU. */
export type TallyTarget = { sku: string } | { sku: null };

const pending = new Map<string | null, Record<string, number>>();
/** Bounded with the targets: an entry older than the interval changes no answer and is dropped. */
const lastFlushMs = new Map<string | null, number>();
const scheduled = new Set<string | null>();

export function tally(target: TallyTarget, reason: string, n = 1): string | null {
	const sku =
		target.sku !== null && (pending.has(target.sku) || pending.size < MAX_TALLY_TARGETS)
			? target.sku
			: null;
	const counts = pending.get(sku) ?? {};
	counts[reason] = (counts[reason] ?? 0) + n;
	pending.set(sku, counts);
	return sku;
}

/** Takes the counts waiting for a target (they are then the caller's to deliver). */
export function takeTallies(sku: string | null): Record<string, number> | null {
	const counts = pending.get(sku);
	pending.delete(sku);
	return counts ?? null;
}

/**
 * Delivers a target's counts with `send`, at most once per
 * TALLY_FLUSH_INTERVAL_MS: the first refusal after a quiet spell is sent at
 * once, a flood is batched. Returns a promise for `waitUntil`, or null when a
 * delivery is already scheduled.
 */
export function flushSoon(
	sku: string | null,
	nowMs: number,
	send: (counts: Record<string, number>) => Promise<void>,
): Promise<void> | null {
	if (scheduled.has(sku)) return null;
	scheduled.add(sku);
	const waitMs = Math.max(
		0,
		(lastFlushMs.get(sku) ?? Number.NEGATIVE_INFINITY) + TALLY_FLUSH_INTERVAL_MS - nowMs,
	);
	return (async () => {
		if (waitMs > 0) await sleep(waitMs);
		scheduled.delete(sku);
		const at = Date.now();
		if (lastFlushMs.size >= MAX_TALLY_TARGETS) {
			for (const [key, ms] of lastFlushMs)
				if (at - ms >= TALLY_FLUSH_INTERVAL_MS) lastFlushMs.delete(key);
		}
		lastFlushMs.set(sku, at);
		const counts = takeTallies(sku);
		if (counts === null) return;
		try {
			await send(counts);
		} catch (error) {
			// Put them back for the next delivery: counts are never silently dropped.
			for (const [reason, n] of Object.entries(counts)) tally({ sku }, reason, n);
			console.warn("rate-limit tallies not delivered; kept for the next flush", String(error));
		}
	})();
}
