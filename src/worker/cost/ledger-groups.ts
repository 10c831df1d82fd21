// How sessions map to ledger groups, and what a group call carries: shared by the
// edge (ledger.ts) and the group object (ledger-group-object.ts), and free of
// Workers imports so the unit tests can use it.

import { z } from "zod";
import type { DemoGuardrailSetting } from "../../shared/demo-guardrail.ts";

/**
 * How many group objects the sessions hash into. Part of every group's name, so
 * changing it starts fresh groups: live sessions' totals would restart from zero
 * (decision 041 says why it is a constant and not a variable).
 */
export const LEDGER_GROUPS = 16;
/** One flush can carry at most this much per session: anything larger is a bug upstream, not a cost. */
export const MAX_DELTA_USD = 1_000_000;
/** Sessions in one call: an isolate remembers at most 10,000 (ledger.ts), so more is a bug. */
export const MAX_BATCH_SESSIONS = 10_000;
/** Session ids are 28 characters (ids.ts newSessionId); room to spare, never unbounded. */
const MAX_SESSION_ID_CHARS = 128;

/** A session's rows are kept a day after its last write (ledger-group-object.ts alarm). */
export const LEDGER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What a group answers for a session: its running total and its demo guardrail. */
export interface LedgerTotal {
	virtualUsd: number;
	/** The session's own guardrail from the demo page, if it set one (shared/demo-guardrail.ts). */
	guardrail: DemoGuardrailSetting | null;
}

/** A change to the session's demo guardrail: a new threshold (re-arms it), or a trip by hand. */
export type GuardrailChange = { thresholdUsd: number } | { trip: true };

export const SessionId = z.string().min(1).max(MAX_SESSION_ID_CHARS);

export const SpendBatch = z
	.array(
		z.object({
			sessionId: SessionId,
			deltaUsd: z.number().finite().min(0).max(MAX_DELTA_USD),
		}),
	)
	.min(1)
	.max(MAX_BATCH_SESSIONS);
export type SpendBatch = z.infer<typeof SpendBatch>;

/** The group a session's ledger lives in: FNV-1a of its id, so every isolate agrees. */
export function ledgerGroupOf(sessionId: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < sessionId.length; i++) {
		hash ^= sessionId.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0) % LEDGER_GROUPS;
}

export function ledgerGroupName(group: number): string {
	return `ledger-group-${group}-of-${LEDGER_GROUPS}`;
}
