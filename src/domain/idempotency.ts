// How long an Idempotency-Key outcome of a reserve attempt is answered again
// (docs/decisions/009-idempotency-window.md). Pure: the caller passes the
// moment of the decision and the windows.
//
// - A granted hold: until the hold's expiresAt plus the session lifetime. A
//   replay comes with the session that made the attempt; that session began
//   before the decision and lasts the session lifetime, so by then no request
//   can carry the key any more: a key never takes a second hold.
// - A rejection (sold out, not started, purchase limit): a short window that
//   covers a client retrying an answer it lost. It protects no hold; after it,
//   the same key is decided afresh (the stock may have come back).

import { DEFAULT_SESSION_TTL_SECONDS, IDEMPOTENCY_REJECTED_SECONDS } from "./bounds.ts";
import type { ReserveOutcome } from "./inventory.ts";

export interface ReplayWindows {
	/** Added to a granted hold's expiresAt (the session lifetime). */
	holdMarginMs: number;
	/** How long after the decision a rejection is answered again. */
	rejectedMs: number;
}

export const DEFAULT_REPLAY_WINDOWS: Readonly<ReplayWindows> = {
	holdMarginMs: DEFAULT_SESSION_TTL_SECONDS * 1000,
	rejectedMs: IDEMPOTENCY_REJECTED_SECONDS * 1000,
};

/**
 * The moment after which an outcome is no longer an answer for its key.
 * `holdExpiresAtMs`: the granted hold's expiresAt, or null for a rejection.
 */
export function replayUntilMs(
	holdExpiresAtMs: number | null,
	decidedAtMs: number,
	windows: ReplayWindows,
): number {
	return holdExpiresAtMs !== null
		? holdExpiresAtMs + windows.holdMarginMs
		: decidedAtMs + windows.rejectedMs;
}

/** replayUntilMs for a decision of the domain (domain/inventory.ts). */
export function outcomeReplayUntilMs(
	outcome: ReserveOutcome,
	decidedAtMs: number,
	windows: ReplayWindows,
): number {
	return replayUntilMs(outcome.ok ? outcome.hold.expiresAtMs : null, decidedAtMs, windows);
}
