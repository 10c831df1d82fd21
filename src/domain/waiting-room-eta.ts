// The waiting room's ETA (docs/waiting-room.md, "ETA"): the admissions of the last
// minute, and the estimate a waiting ticket is shown from them. Pure: the room
// (domain/waiting-room.ts) records each admission's time and asks for the rate.

/** Admissions counted by the ETA estimator: the last minute's (docs/waiting-room.md). */
export const ETA_WINDOW_MS = 60_000;
/**
 * The shortest span the rate is measured over: right after the start a few
 * admissions in a few seconds would promise a pace the stock cannot keep
 * (the first admissions take the units that were free, the next wait for holds).
 */
export const ETA_MIN_WINDOW_MS = 30_000;

/** Admission times of the last ETA_WINDOW_MS, oldest first. */
export class AdmissionWindow {
	private times: number[];

	/** From the admission times kept with the tickets, in any order. */
	constructor(times: Iterable<number> = []) {
		this.times = [...times].sort((a, b) => a - b);
	}

	/**
	 * `burst`: made by an operator's raise of the total (domain/waiting-room.ts advance): not a
	 * pace of units coming back, so not kept (memory only: a restart within the window reloads
	 * every admission time from the tickets and counts it).
	 */
	record(atMs: number, burst = false): void {
		if (!burst) this.times.push(atMs);
	}

	/**
	 * Admissions in the last ETA_WINDOW_MS and the span they were counted over
	 * (docs/waiting-room.md). The admissions made at the start itself are not counted: they took
	 * the units that were free then, and say nothing of the pace at which units come back (3 of
	 * them promised position 1 a turn in 10 s that came after 105 s, when a hold ended). Nor are
	 * the ones an operator's raise of the total made at once: they took the units it added.
	 */
	rate(nowMs: number, startedAtMs: number | null): { admissions: number; windowMs: number } {
		const from = nowMs - ETA_WINDOW_MS;
		let drop = 0;
		while (drop < this.times.length && (this.times[drop] as number) <= from) drop += 1;
		if (drop > 0) this.times = this.times.slice(drop);
		let atStart = 0;
		if (startedAtMs !== null)
			while (atStart < this.times.length && (this.times[atStart] as number) <= startedAtMs)
				atStart += 1;
		const since = startedAtMs === null ? nowMs : Math.max(from, startedAtMs);
		return {
			admissions: this.times.length - atStart,
			windowMs: Math.max(ETA_MIN_WINDOW_MS, nowMs - since),
		};
	}
}

/**
 * ETA for the ticket at `position` from the admissions of the last minute
 * (docs/waiting-room.md): rate = admissions ÷ window; the range takes the rate
 * at ±2√k (a Poisson count's rough 95 % band, at least half an admission).
 * Null without any admission in the window: nothing measured yet.
 */
export function estimateEta(
	position: number,
	admissionsInWindow: number,
	windowMs: number,
): { etaSeconds: number; lowSeconds: number; highSeconds: number } | null {
	const k = admissionsInWindow;
	if (k <= 0 || windowMs <= 0) return null;
	const windowSeconds = windowMs / 1000;
	const rate = k / windowSeconds;
	const spread = 2 * Math.sqrt(k);
	const rateHigh = (k + spread) / windowSeconds;
	const rateLow = Math.max(0.5, k - spread) / windowSeconds;
	return {
		etaSeconds: Math.ceil(position / rate),
		lowSeconds: Math.floor(position / rateHigh),
		highSeconds: Math.ceil(position / rateLow),
	};
}
