// What the console says about a reset whose answer it did not get. When the request failed
// without a refusal (no answer, a timeout, a 5xx), the server may have done it before the answer
// was lost (it committed and died, or the connection dropped on the way back). "Failed, try
// again" would be wrong then, and trying again a minute later would release the holds buyers took
// in between. Each click sends its own `Idempotency-Key` (docs/api.md, Operator), which the
// server records in the reset's `inventory.reset`: the audit trail settles it by that key, so
// another operator's reset is never taken for this one. The server brings the trail up to date
// before it answers a read of it (src/worker/routes/admin.ts), so a read that began after the
// failure shows this key's reset if the server did it. That holds when the connection was lost
// (the server died, or dropped it), not when the page gave up waiting (its 15 s timeout): the
// request may then still be on its way or running, and no read can say it will not happen, so
// such a reset is never called "not done", only "done" once the trail shows it. Pure (no DOM, no
// Preact): unit-tested in test/unit/console-reset-outcome.test.ts.
// docs/decisions/074-console-reset-answer-lost.md, 081-reset-idempotency-key.md.

import type { AuditEvent, Availability } from "../../shared/types.ts";
import type { ApiErr } from "../api/client.ts";
import { counted, time } from "../lib/format.ts";

/** The trail as the console has followed it for one SKU (src/web/console/useDrop.ts). */
export interface TrailReads {
	/** When the last read of the trail that succeeded began (epoch ms, this browser's clock). */
	startedAtMs: number;
	/** Every `inventory.reset` the console has received for the SKU, oldest first. */
	resets: AuditEvent[];
}

/** A reset sent for `sku` whose outcome the console did not learn. */
export interface LostReset {
	sku: string;
	/** The `Idempotency-Key` this click sent: its `inventory.reset` events carry it. */
	key: string;
	sentAtMs: number;
	failedAtMs: number;
	/**
	 * The page stopped waiting for the answer (its own timeout): the server may still be doing
	 * the reset, so a read that shows none does not make it "not done".
	 */
	mayStillRun: boolean;
	/** The objects the SKU is split across (`Product.shards`; 1: one object): each records its own reset. */
	shards: number;
}

export type LostResetVerdict =
	| { kind: "done"; event: AuditEvent }
	/**
	 * A split SKU whose trail shows this key's reset on some shards only: the coordinator resets
	 * itself first and the others after, so a crash between leaves it half done until the same
	 * key is sent again (docs/decisions/081-reset-idempotency-key.md, 118-split-settings-owed.md).
	 */
	| { kind: "partial"; shardsDone: number; shards: number }
	| { kind: "not_done"; readStartedAtMs: number }
	/** A timed-out reset the trail, read at `readStartedAtMs`, does not show yet. */
	| { kind: "not_yet"; readStartedAtMs: number }
	| { kind: "unknown" };

/**
 * A failure that does not say the reset was refused: no answer at all (status 0), an answer
 * outside the contract, or a 5xx. A 4xx with the contract's code (rate limited, a refused
 * token, an unknown SKU, bad input) changed nothing (docs/api.md, Errors).
 */
export function outcomeUnknown(r: ApiErr): boolean {
	return r.status === 0 || r.code === "bad_response" || r.status >= 500;
}

export function lostReset(
	sku: string,
	key: string,
	sentAtMs: number,
	failedAtMs: number,
	problem?: ApiErr,
	shards = 1,
): LostReset {
	return { sku, key, sentAtMs, failedAtMs, mayStillRun: problem?.timedOut === true, shards };
}

/**
 * What the trail says about `lost` so far: "done" when it shows an `inventory.reset` carrying the
 * reset's own key on every object of the SKU (on a split SKU each shard records one: the
 * coordinator's is named); "partial" when it shows it on some shards only (the reset was cut
 * between them: sending the same key again finishes it); "not_done" needs a read that began
 * after the failure and found none, and a reset the page stopped waiting for gets "not_yet" from
 * such a read instead (the server may still do it); until then "unknown". Resets under other
 * keys, or none, are someone else's, whenever they were.
 */
export function settleLostReset(lost: LostReset, trail: TrailReads | null): LostResetVerdict {
	if (trail === null) return { kind: "unknown" };
	const mine = trail.resets.filter((e) => e.detail?.idempotencyKey === lost.key);
	if (mine.length > 0) {
		const done = new Set(mine.map((e) => e.shard ?? 0));
		if (done.size < lost.shards)
			return { kind: "partial", shardsDone: done.size, shards: lost.shards };
		const coordinator = mine.find((e) => e.shard === undefined || e.shard === 0);
		return { kind: "done", event: coordinator ?? (mine[0] as AuditEvent) };
	}
	if (trail.startedAtMs >= lost.failedAtMs)
		return {
			kind: lost.mayStillRun ? "not_yet" : "not_done",
			readStartedAtMs: trail.startedAtMs,
		};
	return { kind: "unknown" };
}

/** The notice while the outcome is unknown: not "failed", and no advice to try again yet. */
export function unconfirmedText(sku: string, r: ApiErr): string {
	const why = r.status === 0 ? r.message : `The server answered ${r.status}: ${r.message}`;
	if (r.timedOut === true)
		return (
			`Reset of ${sku} not confirmed: ${why} The page stopped waiting, not the server: it may have ` +
			"done the reset or still be doing it. This notice will say so if the audit trail shows it; " +
			"resetting again could release holds buyers took since."
		);
	return (
		`Reset of ${sku} not confirmed: ${why} The server may have done it before its answer was lost. ` +
		"This notice will say whether it did once the audit trail can be read again; resetting again " +
		"before then could release holds buyers took since."
	);
}

/** A reset's answer: what is available now, and the sold units that stay with their orders. */
export function resetText(sku: string, a: Availability): string {
	return (
		`${sku} was reset: ${a.available} of ${counted(a.total, "unit")} available.` +
		(a.sold > 0
			? ` ${a.sold} sold ${a.sold === 1 ? "unit stays" : "units stay"} with ${a.sold === 1 ? "its" : "their"} paid orders.`
			: "")
	);
}

export function doneText(sku: string, event: AuditEvent): string {
	return `${sku} was reset at ${time(event.at)}: the audit trail shows its inventory.reset, although the answer to the reset was lost.`;
}

/** A split SKU's reset the trail shows on some shards only; the console sends the same key again. */
export function partialText(sku: string, shardsDone: number, shards: number): string {
	return (
		`Reset of ${sku} only partly done: the audit trail shows it on ${shardsDone} of its ${shards} ` +
		"shards, and the answer was lost. The console is sending the same reset again to finish it; " +
		"it resets no shard twice."
	);
}

export function notDoneText(sku: string, readStartedAtMs: number): string {
	return (
		`Reset of ${sku} not done: the audit trail, read at ${time(new Date(readStartedAtMs).toISOString())}, ` +
		"shows no reset made by this request. Reset again if you still want to."
	);
}

/** A reset the page stopped waiting for, not in the trail yet: still not "not done". */
export function notYetText(sku: string, readStartedAtMs: number): string {
	return (
		`Reset of ${sku} not confirmed: the audit trail, read at ${time(new Date(readStartedAtMs).toISOString())}, ` +
		"shows no reset made by this request yet, but the page stopped waiting for the answer, not the server, " +
		"which may still do it. This notice will say so if the audit trail shows it; resetting again " +
		"could release holds buyers took since."
	);
}
