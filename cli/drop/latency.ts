// Latencies in an HDR histogram (hdr-histogram-js): microsecond resolution,
// three significant digits, constant memory however many requests a run sends.

import { build, type Histogram, JsHistogram } from "hdr-histogram-js";

/** 1 µs .. 120 s: a request past the client's timeout is lost, not slow. */
const HIGHEST_US = 120_000_000;
/** Bars in the report's latency chart (log-spaced). */
const CHART_BINS_PER_DECADE = 20;

export interface LatencySummary {
	count: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
	mean: number;
}

export class Latency {
	private readonly h: Histogram = build({
		lowestDiscernibleValue: 1,
		highestTrackableValue: HIGHEST_US,
		numberOfSignificantValueDigits: 3,
		useWebAssembly: false,
	});

	record(ms: number): void {
		this.h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
	}

	/**
	 * The latency at a percentile, µs, within the values recorded: the histogram answers its
	 * bucket's edge (the highest value of the bucket, or the lowest at 0), which may lie past the
	 * largest latency recorded or below the smallest (a p99 of 264.703 ms beside a max of 264.651).
	 * Its max and min are the values themselves (lowestDiscernibleValue 1: no unit rounding).
	 */
	private atPercentile(percentile: number): number {
		const edge = this.h.getValueAtPercentile(percentile);
		return Math.min(this.h.maxValue, Math.max(this.h.minNonZeroValue, edge));
	}

	summary(): LatencySummary {
		const ms = (us: number) => Math.round(us) / 1000;
		const count = this.h.totalCount;
		return {
			count,
			p50: count ? ms(this.atPercentile(50)) : 0,
			p95: count ? ms(this.atPercentile(95)) : 0,
			p99: count ? ms(this.atPercentile(99)) : 0,
			max: count ? ms(this.h.maxValue) : 0,
			mean: count ? Math.round(this.h.mean) / 1000 : 0,
		};
	}

	/** Counts per log-spaced latency bin, from the histogram's recorded values: [upper bound ms, count][]. */
	bins(): [number, number][] {
		if (!(this.h instanceof JsHistogram) || this.h.totalCount === 0) return [];
		const counts = new Map<number, number>();
		const it = this.h.recordedValuesIterator;
		it.reset();
		while (it.hasNext()) {
			const v = it.next();
			const ms = v.valueIteratedTo / 1000;
			const bin = Math.ceil(Math.log10(Math.max(ms, 0.001)) * CHART_BINS_PER_DECADE);
			counts.set(bin, (counts.get(bin) ?? 0) + v.countAtValueIteratedTo);
		}
		const keys = [...counts.keys()];
		const out: [number, number][] = [];
		for (let b = Math.min(...keys); b <= Math.max(...keys); b++) {
			out.push([round3(10 ** (b / CHART_BINS_PER_DECADE)), counts.get(b) ?? 0]);
		}
		return out;
	}

	/** Latency at each percentile, for the report's percentile curve: [percentile, ms][]. */
	percentiles(): [number, number][] {
		if (this.h.totalCount === 0) return [];
		const levels = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
		return levels.map((p) => [p, this.atPercentile(p) / 1000]);
	}

	destroy(): void {
		this.h.destroy();
	}
}

function round3(n: number): number {
	return Math.round(n * 1000) / 1000;
}
