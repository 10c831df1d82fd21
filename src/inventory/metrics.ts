// The SKU's reserve-path history as the object sees it (docs/metrics.md):
// attempts, rejections by reason and decision latency per second for the last
// HISTORY_SECONDS, in the object's memory only. Nothing here writes to
// storage, so the hot path gains no commit; a restart of the object (deploy,
// eviction, crash) starts the history afresh.

import {
	type AddressCap,
	type CountedSince,
	HISTORY_SECONDS,
	type History,
	type LiveFeedEvent,
	type RingSecond,
	SecondRing,
	type Work,
} from "../domain/timeseries.ts";
import { REJECTION_KEY } from "../ratelimit/reserve-guard.ts";
import type { Op, OpAnswer } from "./batch-decisions.ts";
import type { EdgeCounts, ReserveResult } from "./rpc.ts";

export interface MetricsReport extends History {
	sku: string;
	resolutionSeconds: 1;
	/** The objects the SKU is split across (1: one object); a split SKU's series adds up every shard's. */
	shards: number;
	/** A split SKU's shards whose seconds are not in the figures: they did not answer (decision 158). */
	missingShards?: number[];
	/**
	 * The series is whole from here (ISO 8601): the latest start among the objects it adds up, each
	 * of which knows nothing of the seconds before its own start (decision 158).
	 */
	historyFrom: string;
}

/** An object's seconds of a span, with the moment its history began (its start). */
export interface HistoryPart {
	seconds: RingSecond[];
	sinceMs: number;
}

export type MetricsResult =
	| { ok: true; metrics: MetricsReport }
	| { ok: false; code: "unknown_sku" };

/** The stats key of a rejection (the same keys as the SKU's `rejected` map). */
function rejectionKey(result: ReserveResult): string | null {
	if (result.ok) return null;
	return result.code === "rate_limited" ? REJECTION_KEY[result.refusal.tier] : result.code;
}

export class DecisionMetrics {
	private readonly ring = new SecondRing();
	/** The history's start: the object's, whose memory it is. */
	private readonly sinceMs = Date.now();

	/**
	 * A decided batch at `decidedAtMs`: every reserve attempt counts in that
	 * second, with its latency from its arrival at the edge (`arrivedAtMs`, the
	 * edge's clock) to this moment. An attempt without `arrivedAtMs` counts
	 * without a latency sample. `work`: the batch's decisions and commits as the stats count
	 * them, kept per second for a split shard's late reset (workAfter).
	 */
	batch(
		ops: readonly Op[],
		answers: readonly OpAnswer[],
		decidedAtMs: number,
		work: Work = { decisions: 0, commits: 0 },
	): void {
		if (work.decisions > 0 || work.commits > 0)
			this.ring.work(decidedAtMs, work.decisions, work.commits);
		ops.forEach((op, i) => {
			const answer = answers[i];
			if (op.kind !== "reserve" || answer === undefined || !("results" in answer)) return;
			op.attempts.forEach((attempt, j) => {
				this.ring.attempt(decidedAtMs);
				const result = answer.results[j];
				const key = result === undefined ? null : rejectionKey(result);
				if (key !== null) this.ring.reject(decidedAtMs, key);
				if (attempt.arrivedAtMs !== undefined) {
					this.ring.latencySample(decidedAtMs, decidedAtMs - attempt.arrivedAtMs);
				}
			});
		});
	}

	/**
	 * Counts the edge delivered (recordRejections): attempts it answered from its
	 * snapshot and refusals by reason. The edge batches its tallies (at most once
	 * a second per SKU per isolate), so they are counted in the second they reach
	 * the object — up to about a second after the attempts themselves — and carry
	 * no latency sample: the object never saw them.
	 */
	edge(counts: EdgeCounts, receivedAtMs: number): void {
		if (counts.answered > 0) this.ring.attempt(receivedAtMs, counts.answered);
		for (const [bucket, n] of counts.latency) this.ring.edgeLatencyBucket(receivedAtMs, bucket, n);
		for (const [reason, n] of Object.entries(counts.rejected))
			this.ring.reject(receivedAtMs, reason, n);
	}

	/** A refusal counted outside a batch (the demo's eventual mode, `admit`). */
	refusal(key: string, atMs: number): void {
		this.ring.reject(atMs, key);
	}

	/**
	 * A request refused at a per-address cap (the live feed's upgrade, the room's join), counted
	 * by the object that keeps the feed and the room: beside the attempts, never one of them.
	 */
	addressRefused(cap: AddressCap, atMs: number): void {
		this.ring.addressRefused(atMs, cap);
	}

	/** The live feed closed a socket or refused an upgrade (decision 170): the coordinator's alone. */
	liveCounted(kind: LiveFeedEvent, atMs: number): void {
		this.ring.liveCounted(atMs, kind);
	}

	/**
	 * The attempts and refusals counted in the seconds after the one of `cutMs`: a split SKU's
	 * shard doing its coordinator's reset late keeps these, the new drop's
	 * (sku-object-operator.ts resetLocal).
	 */
	countedAfter(cutMs: number, nowMs: number): CountedSince {
		return this.ring.countedAfter(cutMs, nowMs);
	}

	/** The decisions and commits counted in the same seconds as countedAfter (decision 158). */
	workAfter(cutMs: number, nowMs: number): Work {
		return this.ring.workAfter(cutMs, nowMs);
	}

	read(sku: string, nowMs: number, seconds: number = HISTORY_SECONDS): MetricsReport {
		const historyFrom = new Date(this.sinceMs).toISOString();
		return { sku, resolutionSeconds: 1, shards: 1, historyFrom, ...this.ring.read(nowMs, seconds) };
	}

	/**
	 * The seconds of the last `seconds` up to `nowMs` that counted anything, as counts (a split
	 * SKU's shard answering its coordinator: `decidedOnly`, its decided batches only), with the
	 * history's start.
	 */
	part(nowMs: number, seconds: number, decidedOnly: boolean): HistoryPart {
		return { seconds: this.ring.export(nowMs, seconds, decidedOnly), sinceMs: this.sinceMs };
	}
}

/** How a split SKU's merged answer was gathered (split-metrics.ts). */
export interface Gathering {
	/** The objects the SKU is split across. */
	shards: number;
	/** The shards whose seconds are not among the parts (they did not answer), named in the answer. */
	missing: readonly number[];
	/** The latest start among the objects of the parts. */
	sinceMs: number;
}

/**
 * A split SKU's metrics (split-metrics.ts): the coordinator's seconds (its decisions, the
 * edge's tallies and the per-address refusals, which reach it alone) and every other shard's
 * decided seconds, added second by second into one ring and read as one SKU's. Bucket and
 * per-second counts add exactly, so the percentiles are the whole SKU's histogram's.
 */
export function mergedMetrics(
	sku: string,
	nowMs: number,
	seconds: number,
	parts: readonly (readonly RingSecond[])[],
	gathering: Gathering = { shards: parts.length, missing: [], sinceMs: 0 },
): MetricsReport {
	const ring = new SecondRing();
	for (const part of parts) for (const second of part) ring.add(second);
	const { shards, missing, sinceMs } = gathering;
	return {
		sku,
		resolutionSeconds: 1,
		shards,
		...(missing.length > 0 ? { missingShards: [...missing] } : {}),
		historyFrom: new Date(sinceMs).toISOString(),
		...ring.read(nowMs, seconds),
	};
}
