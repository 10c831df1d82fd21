// Per-second history of a SKU's reserve path: attempts, rejections by code and
// a small fixed-bucket latency histogram per second, in a ring of
// HISTORY_SECONDS slots. Pure (no I/O, no clock of its own): the SKU object
// feeds it (src/inventory/metrics.ts), the unit tests drive it directly.
// Memory is bounded: HISTORY_SECONDS × (LATENCY_EDGES_MS.length + 3) counters,
// plus the rejection codes seen in each second. Beside the reserve path, the
// refusals at the per-address caps (the live feed's upgrades, the room's joins),
// which are not reserve attempts and never count in `attempts` or `rejected`.

import type {
	AddressRefusals,
	LiveFeedCounts,
	MetricsPoint,
	MetricsWindow,
} from "../shared/types.ts";
import {
	histogramPercentile,
	LATENCY_BUCKETS,
	LATENCY_EDGES_MS,
	latencyBucket,
} from "./latency-histogram.ts";

export {
	exactPercentile,
	histogramPercentile,
	LATENCY_BUCKETS,
	LATENCY_EDGES_MS,
	latencyBucket,
} from "./latency-histogram.ts";

/** Where a request was refused at a per-address cap (the stats' `addressRefusals` keys). */
export type AddressCap = keyof AddressRefusals;

/**
 * What the live feed closed or refused, counted per second beside its address refusals (which are
 * `addressRefusals.liveFeed`, read as the series' `live.refusedAddress` too).
 */
export type LiveFeedEvent = Exclude<keyof LiveFeedCounts, "refusedAddress">;
const LIVE_FEED_EVENTS: readonly LiveFeedEvent[] = [
	"idleClosed",
	"floodClosed",
	"refusedFull",
	"refusedCoolDown",
];

/** Seconds of history kept: the last 15 minutes at one-second resolution. */
export const HISTORY_SECONDS = 900;

export interface History {
	series: MetricsPoint[];
	window: MetricsWindow;
}

/** What the ring counted over a span (SecondRing.countedAfter). */
export interface CountedSince {
	attempts: number;
	rejected: Record<string, number>;
}

/** The object's work over a span (SecondRing.workAfter): the stats' `decisions` and `commits`. */
export interface Work {
	decisions: number;
	commits: number;
}

/**
 * One second of a ring as counts, to be added into another ring (SecondRing.add): what a split
 * SKU's shard sends its coordinator for the whole SKU's metrics. Bucket counts and per-second
 * counts add exactly; the maxima are the larger. `edge` and `addressRefusals` are absent from a
 * shard's seconds (`decidedOnly`): the edge's tallies and the per-address refusals reach the
 * coordinator alone, so each is counted once.
 */
export interface RingSecond {
	/** Epoch second. */
	s: number;
	attempts: number;
	rejected: number;
	byCode: [string, number][];
	latency: number[];
	maxMs: number;
	edge?: { latency: number[]; maxMs: number };
	addressRefusals?: AddressRefusals;
	/** The live feed's closes and refusals: the coordinator's alone, as `addressRefusals`. */
	live?: Record<LiveFeedEvent, number>;
}

export class SecondRing {
	/** Which epoch second each slot holds (-1: never used); a slot of an older second is stale. */
	private readonly second = new Float64Array(HISTORY_SECONDS).fill(-1);
	private readonly attempts = new Uint32Array(HISTORY_SECONDS);
	private readonly rejected = new Uint32Array(HISTORY_SECONDS);
	private readonly byCode: (Map<string, number> | null)[] = new Array(HISTORY_SECONDS).fill(null);
	private readonly latency = new Uint32Array(HISTORY_SECONDS * LATENCY_BUCKETS);
	private readonly maxMs = new Float64Array(HISTORY_SECONDS);
	/** The edge's view, delivered as bucket counts (no raw samples): capped at the top bucket's edge. */
	private readonly edgeLatency = new Uint32Array(HISTORY_SECONDS * LATENCY_BUCKETS);
	private readonly edgeMaxMs = new Float64Array(HISTORY_SECONDS);
	private readonly liveFeedRefused = new Uint32Array(HISTORY_SECONDS);
	private readonly roomJoinRefused = new Uint32Array(HISTORY_SECONDS);
	/** The live feed's closes and refusals, one array per kind (decision 170). */
	private readonly live = Object.fromEntries(
		LIVE_FEED_EVENTS.map((kind) => [kind, new Uint32Array(HISTORY_SECONDS)]),
	) as Record<LiveFeedEvent, Uint32Array>;
	/** The object's work (stats' `decisions`, `commits`): kept by a late reset only, never read out. */
	private readonly decisions = new Uint32Array(HISTORY_SECONDS);
	private readonly commits = new Uint32Array(HISTORY_SECONDS);

	/** The slot of the second holding `atMs`, cleared first if it held an older second. */
	private slot(atMs: number): number {
		const s = Math.floor(atMs / 1000);
		const i = ((s % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS;
		if (this.second[i] !== s) {
			this.second[i] = s;
			this.attempts[i] = 0;
			this.rejected[i] = 0;
			this.byCode[i] = null;
			this.latency.fill(0, i * LATENCY_BUCKETS, (i + 1) * LATENCY_BUCKETS);
			this.maxMs[i] = 0;
			this.edgeLatency.fill(0, i * LATENCY_BUCKETS, (i + 1) * LATENCY_BUCKETS);
			this.edgeMaxMs[i] = 0;
			this.liveFeedRefused[i] = 0;
			this.roomJoinRefused[i] = 0;
			for (const kind of LIVE_FEED_EVENTS) this.live[kind][i] = 0;
			this.decisions[i] = 0;
			this.commits[i] = 0;
		}
		return i;
	}

	/** `n` attempts in the second of `atMs`. */
	attempt(atMs: number, n = 1): void {
		const i = this.slot(atMs);
		this.attempts[i] = (this.attempts[i] ?? 0) + n;
	}

	/** `n` rejections for `code` in the second of `atMs`. */
	reject(atMs: number, code: string, n = 1): void {
		const i = this.slot(atMs);
		this.rejected[i] = (this.rejected[i] ?? 0) + n;
		const codes = this.byCode[i] ?? new Map<string, number>();
		codes.set(code, (codes.get(code) ?? 0) + n);
		this.byCode[i] = codes;
	}

	/** A decided batch's work in the second of `atMs`: its decisions and commits (0 or 1). */
	work(atMs: number, decisions: number, commits: number): void {
		const i = this.slot(atMs);
		this.decisions[i] = (this.decisions[i] as number) + decisions;
		this.commits[i] = (this.commits[i] as number) + commits;
	}

	/** A request refused at the per-address cap of `cap` in the second of `atMs` (not an attempt). */
	addressRefused(atMs: number, cap: AddressCap): void {
		const i = this.slot(atMs);
		const counts = cap === "liveFeed" ? this.liveFeedRefused : this.roomJoinRefused;
		counts[i] = (counts[i] ?? 0) + 1;
	}

	/** The live feed closed a socket or refused an upgrade (`kind`) in the second of `atMs`. */
	liveCounted(atMs: number, kind: LiveFeedEvent): void {
		const i = this.slot(atMs);
		this.live[kind][i] = (this.live[kind][i] as number) + 1;
	}

	/** Slot `i`'s live feed counts by kind. */
	private liveAt(i: number): Record<LiveFeedEvent, number> {
		const out = {} as Record<LiveFeedEvent, number>;
		for (const kind of LIVE_FEED_EVENTS) out[kind] = this.live[kind][i] as number;
		return out;
	}

	/** One latency sample (ms, clamped at 0) in the second of `atMs`. */
	latencySample(atMs: number, ms: number): void {
		const i = this.slot(atMs);
		const v = Math.max(0, ms);
		const b = i * LATENCY_BUCKETS + latencyBucket(v);
		this.latency[b] = (this.latency[b] ?? 0) + 1;
		if (v > (this.maxMs[i] as number)) this.maxMs[i] = v;
	}

	/**
	 * `n` requests the edge answered with a latency in `bucket` (latencyBucket),
	 * counted in the second of `atMs`. The open last bucket counts as its lower edge.
	 */
	edgeLatencyBucket(atMs: number, bucket: number, n = 1): void {
		if (!Number.isInteger(bucket) || bucket < 0 || bucket >= LATENCY_BUCKETS) return;
		const i = this.slot(atMs);
		const b = i * LATENCY_BUCKETS + bucket;
		this.edgeLatency[b] = (this.edgeLatency[b] ?? 0) + n;
		const top = LATENCY_EDGES_MS[bucket] ?? (LATENCY_EDGES_MS.at(-1) as number);
		if (top > (this.edgeMaxMs[i] as number)) this.edgeMaxMs[i] = top;
	}

	/**
	 * The seconds of the last `seconds` up to the one holding `nowMs` that counted anything, as
	 * counts (RingSecond). `decidedOnly`: without the edge's latency and the per-address refusals.
	 */
	export(nowMs: number, seconds: number, decidedOnly: boolean): RingSecond[] {
		const span = Math.max(1, Math.min(HISTORY_SECONDS, Math.floor(seconds)));
		const nowS = Math.floor(nowMs / 1000);
		const out: RingSecond[] = [];
		for (let s = nowS - span + 1; s <= nowS; s++) {
			const i = ((s % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS;
			if (this.second[i] !== s) continue;
			const from = i * LATENCY_BUCKETS;
			const second: RingSecond = {
				s,
				attempts: this.attempts[i] as number,
				rejected: this.rejected[i] as number,
				byCode: [...(this.byCode[i] ?? [])],
				latency: Array.from(this.latency.subarray(from, from + LATENCY_BUCKETS)),
				maxMs: this.maxMs[i] as number,
			};
			if (!decidedOnly) {
				second.edge = {
					latency: Array.from(this.edgeLatency.subarray(from, from + LATENCY_BUCKETS)),
					maxMs: this.edgeMaxMs[i] as number,
				};
				second.addressRefusals = {
					liveFeed: this.liveFeedRefused[i] as number,
					roomJoin: this.roomJoinRefused[i] as number,
				};
				second.live = this.liveAt(i);
			}
			out.push(second);
		}
		return out;
	}

	/** Adds a second's counts (RingSecond, another ring's export) into this ring's second. */
	add(second: RingSecond): void {
		const i = this.slot(second.s * 1000);
		this.attempts[i] = (this.attempts[i] as number) + second.attempts;
		this.rejected[i] = (this.rejected[i] as number) + second.rejected;
		if (second.byCode.length > 0) {
			const codes = this.byCode[i] ?? new Map<string, number>();
			for (const [code, n] of second.byCode) codes.set(code, (codes.get(code) ?? 0) + n);
			this.byCode[i] = codes;
		}
		addBuckets(this.latency, i, second.latency);
		this.maxMs[i] = Math.max(this.maxMs[i] as number, second.maxMs);
		if (second.edge !== undefined) {
			addBuckets(this.edgeLatency, i, second.edge.latency);
			this.edgeMaxMs[i] = Math.max(this.edgeMaxMs[i] as number, second.edge.maxMs);
		}
		if (second.addressRefusals !== undefined) {
			this.liveFeedRefused[i] =
				(this.liveFeedRefused[i] as number) + second.addressRefusals.liveFeed;
			this.roomJoinRefused[i] =
				(this.roomJoinRefused[i] as number) + second.addressRefusals.roomJoin;
		}
		for (const kind of LIVE_FEED_EVENTS)
			this.live[kind][i] = (this.live[kind][i] as number) + (second.live?.[kind] ?? 0);
	}

	/**
	 * Attempts and rejections by code counted in the seconds after the one holding `cutMs`,
	 * through the one holding `nowMs`: the cut's own second, which may hold counts from before
	 * the cut, is left out. Seconds older than the ring's HISTORY_SECONDS, or before the ring began
	 * (the object's start), count nothing: they are gone.
	 */
	countedAfter(cutMs: number, nowMs: number): CountedSince {
		const out: CountedSince = { attempts: 0, rejected: {} };
		for (const i of this.slotsAfter(cutMs, nowMs)) {
			out.attempts += this.attempts[i] as number;
			for (const [code, n] of this.byCode[i] ?? [])
				out.rejected[code] = (out.rejected[code] ?? 0) + n;
		}
		return out;
	}

	/** The object's work (`work`) in the same seconds as countedAfter. */
	workAfter(cutMs: number, nowMs: number): Work {
		const out: Work = { decisions: 0, commits: 0 };
		for (const i of this.slotsAfter(cutMs, nowMs)) {
			out.decisions += this.decisions[i] as number;
			out.commits += this.commits[i] as number;
		}
		return out;
	}

	/** The slots of the seconds after the one holding `cutMs` through the one of `nowMs` still held. */
	private slotsAfter(cutMs: number, nowMs: number): number[] {
		const nowS = Math.floor(nowMs / 1000);
		const fromS = Math.max(Math.floor(cutMs / 1000) + 1, nowS - HISTORY_SECONDS + 1);
		const slots: number[] = [];
		for (let s = fromS; s <= nowS; s++) {
			const i = ((s % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS;
			if (this.second[i] === s) slots.push(i);
		}
		return slots;
	}

	/** The last `seconds` whole seconds up to and including the one holding `nowMs`, oldest first. */
	read(nowMs: number, seconds: number): History {
		const span = Math.max(1, Math.min(HISTORY_SECONDS, Math.floor(seconds)));
		const nowS = Math.floor(nowMs / 1000);
		const series: MetricsPoint[] = [];
		const total = new Array<number>(LATENCY_BUCKETS).fill(0);
		const edgeTotal = new Array<number>(LATENCY_BUCKETS).fill(0);
		let edgeMaxMs = 0;
		const byCode: Record<string, number> = {};
		let attempts = 0;
		let rejected = 0;
		let maxMs = 0;
		const refusals: AddressRefusals = { liveFeed: 0, roomJoin: 0 };
		const live = noLiveCounts();
		for (let s = nowS - span + 1; s <= nowS; s++) {
			const i = ((s % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS;
			const at = new Date(s * 1000).toISOString();
			if (this.second[i] !== s) {
				series.push(emptyPoint(at));
				continue;
			}
			const counts = this.latency.subarray(i * LATENCY_BUCKETS, (i + 1) * LATENCY_BUCKETS);
			const slotMax = this.maxMs[i] as number;
			for (let b = 0; b < LATENCY_BUCKETS; b++)
				total[b] = (total[b] as number) + (counts[b] as number);
			maxMs = Math.max(maxMs, slotMax);
			const edgeCounts = this.edgeLatency.subarray(i * LATENCY_BUCKETS, (i + 1) * LATENCY_BUCKETS);
			const edgeSlotMax = this.edgeMaxMs[i] as number;
			for (let b = 0; b < LATENCY_BUCKETS; b++)
				edgeTotal[b] = (edgeTotal[b] as number) + (edgeCounts[b] as number);
			edgeMaxMs = Math.max(edgeMaxMs, edgeSlotMax);
			attempts += this.attempts[i] as number;
			rejected += this.rejected[i] as number;
			for (const [code, n] of this.byCode[i] ?? []) byCode[code] = (byCode[code] ?? 0) + n;
			const addressRefusals = {
				liveFeed: this.liveFeedRefused[i] as number,
				roomJoin: this.roomJoinRefused[i] as number,
			};
			refusals.liveFeed += addressRefusals.liveFeed;
			refusals.roomJoin += addressRefusals.roomJoin;
			const liveHere = { ...this.liveAt(i), refusedAddress: addressRefusals.liveFeed };
			for (const kind of Object.keys(live) as (keyof LiveFeedCounts)[])
				live[kind] += liveHere[kind];
			series.push({
				at,
				attempts: this.attempts[i] as number,
				rejected: this.rejected[i] as number,
				addressRefusals,
				live: liveHere,
				latencyMsP50: histogramPercentile(counts, 50, slotMax),
				latencyMsP95: histogramPercentile(counts, 95, slotMax),
				latencyMsP99: histogramPercentile(counts, 99, slotMax),
				edgeLatencyMsP50: histogramPercentile(edgeCounts, 50, edgeSlotMax),
				edgeLatencyMsP95: histogramPercentile(edgeCounts, 95, edgeSlotMax),
				edgeLatencyMsP99: histogramPercentile(edgeCounts, 99, edgeSlotMax),
			});
		}
		return {
			series,
			window: {
				attemptsPerSec: attempts / span,
				rejectionsPerSec: rejected / span,
				latencyMsP50: histogramPercentile(total, 50, maxMs),
				latencyMsP95: histogramPercentile(total, 95, maxMs),
				latencyMsP99: histogramPercentile(total, 99, maxMs),
				edgeLatencyMsP50: histogramPercentile(edgeTotal, 50, edgeMaxMs),
				edgeLatencyMsP95: histogramPercentile(edgeTotal, 95, edgeMaxMs),
				edgeLatencyMsP99: histogramPercentile(edgeTotal, 99, edgeMaxMs),
				rejectedByCode: byCode,
				addressRefusals: refusals,
				live,
			},
		};
	}
}

/** Adds `counts` (LATENCY_BUCKETS of them, more ignored) into slot `i`'s buckets of `into`. */
function addBuckets(into: Uint32Array, i: number, counts: readonly number[]): void {
	const n = Math.min(LATENCY_BUCKETS, counts.length);
	for (let b = 0; b < n; b++) {
		const at = i * LATENCY_BUCKETS + b;
		into[at] = (into[at] as number) + (counts[b] as number);
	}
}

function emptyPoint(at: string): MetricsPoint {
	return {
		at,
		attempts: 0,
		rejected: 0,
		addressRefusals: { liveFeed: 0, roomJoin: 0 },
		live: noLiveCounts(),
		latencyMsP50: null,
		latencyMsP95: null,
		latencyMsP99: null,
		edgeLatencyMsP50: null,
		edgeLatencyMsP95: null,
		edgeLatencyMsP99: null,
	};
}

function noLiveCounts(): LiveFeedCounts {
	return { idleClosed: 0, floodClosed: 0, refusedFull: 0, refusedAddress: 0, refusedCoolDown: 0 };
}
