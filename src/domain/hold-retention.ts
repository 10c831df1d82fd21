// How long an ended hold (EXPIRED, CANCELLED, PAYMENT_FAILED) keeps its row before the SKU
// object's alarm deletes it (inventory/ended-holds.ts;
// docs/decisions/088-ended-holds-and-replays.md). Pure: the caller passes the windows.
//
// Kept while anything may still ask for it:
// - its owner's reads, cancels and checkouts: they come with the session that took the hold,
//   which began before the hold, lasts the session lifetime and reaches what it owns for
//   SESSION_GRACE_SECONDS after that (docs/decisions/086-a-sessions-end-and-what-it-owns.md), so
//   none arrives after `expiresAt` plus the lifetime plus the grace unless the session was
//   renewed; a renewed session asking later is told 404, as for an unknown id;
// - its Idempotency-Key replays, whose window ends at `expiresAt` plus the session lifetime
//   (domain/idempotency.ts), earlier still;
// - a split SKU's recount of first holds after a restart, which reads the holds created in the
//   last MAX_ADMIT_SECONDS (inventory/room-shard-gate.ts), a page at a time: a hold is created
//   before its `expiresAt`, and twice that window lets a recount that takes as long again still
//   find the oldest holds of its range.
// A hold ends at or before `expiresAt`, except one whose payment was in flight at that moment;
// that one is no more needed afterwards than any other: its owner's session has ended by then.
// Paid holds are the orders and are never pruned; the audit trail is in the outbox and D1.

import { SESSION_GRACE_SECONDS } from "../shared/sessions.ts";
import type { ReplayWindows } from "./idempotency.ts";
import { MAX_ADMIT_SECONDS } from "./waiting-room-records.ts";

/** What a split SKU's recount needs kept (see above). */
export const RECOUNT_KEPT_MS = 2 * MAX_ADMIT_SECONDS * 1000;

/** How long after its `expiresAt` an ended hold's row is kept: the session lifetime and its grace, at least RECOUNT_KEPT_MS. */
export function endedHoldKeptMs(windows: Pick<ReplayWindows, "holdMarginMs">): number {
	return Math.max(windows.holdMarginMs + SESSION_GRACE_SECONDS * 1000, RECOUNT_KEPT_MS);
}

/** The moment from which an ended hold that expires (or expired) at `expiresAtMs` may be deleted. */
export function endedHoldPrunableAtMs(
	expiresAtMs: number,
	windows: Pick<ReplayWindows, "holdMarginMs">,
): number {
	return expiresAtMs + endedHoldKeptMs(windows);
}
