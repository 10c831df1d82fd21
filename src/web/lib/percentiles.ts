// Latency percentiles of a bounded window of samples, nearest-rank method.

export interface Percentiles {
	count: number;
	p50: number;
	p95: number;
	p99: number;
}

export function percentiles(samples: readonly number[]): Percentiles | null {
	if (samples.length === 0) return null;
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (p: number) =>
		sorted[
			Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
		] as number;
	return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

/** A fixed-size window: the newest `limit` samples. */
export class SampleWindow {
	private readonly values: number[] = [];
	constructor(private readonly limit: number) {}
	add(value: number): void {
		this.values.push(value);
		if (this.values.length > this.limit) this.values.splice(0, this.values.length - this.limit);
	}
	all(): readonly number[] {
		return this.values;
	}
}
