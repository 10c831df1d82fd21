// How long the console waits before its next poll. Pure (no DOM, no Preact),
// so the unit tests run it directly.

/**
 * After a failed poll the next waits twice as long as the one before, up to
 * this, with jitter (each wait drawn from its upper half), so a server that is
 * down or overloaded is not asked 66 times a minute by every open console, and
 * the consoles do not retry in step. The first success restores the cadence.
 */
export const POLL_BACKOFF_MAX_MS = 30_000;

/** The wait before the next poll after `failures` failures in a row (0: the normal cadence). */
export function pollDelayMs(baseMs: number, failures: number, random = Math.random): number {
	if (failures === 0) return baseMs;
	const ceiling = Math.min(POLL_BACKOFF_MAX_MS, baseMs * 2 ** failures);
	return ceiling / 2 + random() * (ceiling / 2);
}
