// How long the console waits before its next poll. Pure (no DOM, no Preact),
// so the unit tests run it directly.

/**
 * After a failed poll the next waits twice as long as the one before, up to
 * this, with jitter (each wait drawn from its upper half), so a server that is
 * down or overloaded is not asked 66 times a minute by every open console, and
 * the consoles do not retry in step. The first success restores the cadence.
 */
export const POLL_BACKOFF_MAX_MS = 30_000;

/** Spread added to a server's Retry-After, so consoles told the same wait do not return in step. */
export const RETRY_AFTER_JITTER = 0.2;

/**
 * The wait before the next poll after `failures` failures in a row (0: the normal cadence).
 * When the failed answer named a Retry-After (a 503 `unavailable` says 5 s), that is the wait,
 * not the doubling backoff: the server said when it expects to answer, so the console is back
 * within seconds of a recovery instead of up to POLL_BACKOFF_MAX_MS later.
 */
export function pollDelayMs(
	baseMs: number,
	failures: number,
	random = Math.random,
	retryAfterSeconds: number | null = null,
): number {
	if (failures === 0) return baseMs;
	if (retryAfterSeconds !== null) {
		const toldMs = Math.max(baseMs, retryAfterSeconds * 1000);
		return Math.min(POLL_BACKOFF_MAX_MS, toldMs * (1 + random() * RETRY_AFTER_JITTER));
	}
	const ceiling = Math.min(POLL_BACKOFF_MAX_MS, baseMs * 2 ** failures);
	return ceiling / 2 + random() * (ceiling / 2);
}
