// Bot signals that need no PII (FR-7 layer 2, behavioural analysis; docs/rate-limits.md):
// machine-regular intervals between attempts, bursts, and attempts without any
// prior read of the product. Pure: times are passed in, nothing is stored but
// a few numbers per session.
//
// The rule these thresholds serve: impatience is not a script. A person
// clicking fast is irregular (human tapping varies by several percent even when
// trying to keep a rhythm, and clicks plus network add more), and cannot click
// twenty times a second. A timer loop is regular to within network jitter.

/** Tiers, mapped onto FR-7's (docs/rate-limits.md, "Tiers and bot signals"). */
export type Tier = "verified" | "new" | "suspected";
export type Flag = "regular" | "burst";

/**
 * Gaps examined for regularity: a script is caught after REGULAR_GAPS + 1
 * attempts; a person would need that many near-identical gaps in a row.
 */
export const REGULAR_GAPS = 30;
/**
 * Gaps farthest from the median left out before judging: a script's rhythm
 * survives a GC pause or a timer hiccup (one long gap and one short catch-up
 * gap), which would otherwise hide it.
 */
export const REGULAR_TRIM_GAPS = 3;
/**
 * Coefficient of variation (sd/mean) of the remaining gaps at or under which
 * they are machine-regular. Chosen on generated timings (500 sessions of 250
 * clicks each; test/unit/botsignals.test.ts keeps the main cases): a person
 * keeping a steady rhythm with 5% timing variation was never flagged, with 4%
 * one session in 500 was; a timer loop with 1 ms of jitter at 100 ms always
 * was, with 2 ms about half the time within 40 attempts (CV 0.02 is where
 * people begin).
 */
export const REGULAR_MAX_CV = 0.015;
/** Gaps shorter than this on average are a burst question, not a rhythm (CV is meaningless near 0). */
export const REGULAR_MIN_MEAN_GAP_MS = 20;
/** A burst: this many attempts within BURST_WINDOW_MS — faster than anyone clicks (about 14 a second at best). */
export const BURST_COUNT = 20;
export const BURST_WINDOW_MS = 1000;

const LOG_SIZE = Math.max(REGULAR_GAPS + 1, BURST_COUNT);

/** sd/mean of the gaps (population sd); Infinity when the mean is not positive. */
export function coefficientOfVariation(gaps: readonly number[]): number {
	if (gaps.length === 0) return Number.POSITIVE_INFINITY;
	let sum = 0;
	for (const g of gaps) sum += g;
	const mean = sum / gaps.length;
	if (!(mean > 0)) return Number.POSITIVE_INFINITY;
	let squares = 0;
	for (const g of gaps) squares += (g - mean) ** 2;
	return Math.sqrt(squares / gaps.length) / mean;
}

/** The coefficient of variation once the `trim` gaps farthest from the median are left out. */
export function trimmedCoefficientOfVariation(gaps: readonly number[], trim: number): number {
	const sorted = [...gaps].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	const median =
		sorted.length % 2 === 1
			? (sorted[mid] ?? 0)
			: ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
	const byDistance = [...gaps].sort((a, b) => Math.abs(a - median) - Math.abs(b - median));
	return coefficientOfVariation(byDistance.slice(0, Math.max(1, gaps.length - trim)));
}

/** The last REGULAR_GAPS gaps are near-identical (outliers aside) and long enough to be a rhythm. */
export function isMachineRegular(gaps: readonly number[]): boolean {
	if (gaps.length < REGULAR_GAPS) return false;
	const recent = gaps.slice(-REGULAR_GAPS);
	const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
	return (
		mean >= REGULAR_MIN_MEAN_GAP_MS &&
		trimmedCoefficientOfVariation(recent, REGULAR_TRIM_GAPS) <= REGULAR_MAX_CV
	);
}

/** The last BURST_COUNT arrivals (ascending) fall within BURST_WINDOW_MS. */
export function isBurst(arrivalsMs: readonly number[]): boolean {
	if (arrivalsMs.length < BURST_COUNT) return false;
	const last = arrivalsMs[arrivalsMs.length - 1] ?? 0;
	const first = arrivalsMs[arrivalsMs.length - BURST_COUNT] ?? 0;
	return last - first < BURST_WINDOW_MS;
}

/** The tier an attempt is judged by: a flag outranks everything; no read means new. */
export function classify(state: { read: boolean; flagged: boolean }): Tier {
	if (state.flagged) return "suspected";
	return state.read ? "verified" : "new";
}

/**
 * One session's signals on one SKU: whether it has read the product, when its
 * last attempts arrived (a small ring), and until when it stays flagged.
 */
export class SessionSignals {
	read = false;
	flag: Flag | null = null;
	flaggedUntilMs = Number.NEGATIVE_INFINITY;
	private readonly arrivals = new Float64Array(LOG_SIZE);
	private count = 0;

	markRead(): void {
		this.read = true;
	}

	/**
	 * Records an attempt that arrived at `arrivedAtMs` and returns the tier to
	 * judge it by. A new flag lasts `flaggedForMs` from this attempt; a script
	 * that keeps its rhythm keeps renewing it.
	 */
	observe(arrivedAtMs: number, flaggedForMs: number): Tier {
		// Arrivals out of order (two isolates, clock steps) are held at the latest seen.
		const previous =
			this.count > 0 ? (this.arrivals[(this.count - 1) % LOG_SIZE] ?? arrivedAtMs) : arrivedAtMs;
		this.arrivals[this.count % LOG_SIZE] = Math.max(arrivedAtMs, previous);
		this.count += 1;
		const recent = this.recent();
		const flag: Flag | null = isBurst(recent)
			? "burst"
			: isMachineRegular(gapsOf(recent))
				? "regular"
				: null;
		if (flag !== null) {
			this.flag = flag;
			this.flaggedUntilMs = arrivedAtMs + flaggedForMs;
		}
		return this.tier(arrivedAtMs);
	}

	tier(nowMs: number): Tier {
		return classify({ read: this.read, flagged: nowMs < this.flaggedUntilMs });
	}

	/** The logged arrivals, oldest first. */
	recent(): number[] {
		const n = Math.min(this.count, LOG_SIZE);
		const out: number[] = [];
		for (let i = this.count - n; i < this.count; i++) out.push(this.arrivals[i % LOG_SIZE] ?? 0);
		return out;
	}
}

export function gapsOf(arrivalsMs: readonly number[]): number[] {
	const gaps: number[] = [];
	for (let i = 1; i < arrivalsMs.length; i++)
		gaps.push((arrivalsMs[i] ?? 0) - (arrivalsMs[i - 1] ?? 0));
	return gaps;
}
