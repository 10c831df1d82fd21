// Step 5 of the demo (docs/demo.md): a sandbox reset whose answer was lost. A reset carries no
// key, so asking again cannot learn what the first one did, and trying again meets the
// one-a-minute limit if it was done. As in the console (decision 074, whose `outcomeUnknown`
// decides which failures leave the outcome open), the page says "not confirmed", then settles
// it from what it can read: a reset deletes every unpaid hold record of the sandbox (and
// nothing else does), so a read of a hold this demo took before the reset was sent tells
// it: 404 → done; the hold still there (in any state) → not done, unless the page only stopped
// waiting (its own timeout): the server may still be doing the reset, so "not yet"
// (docs/decisions/079-console-fixes-of-the-eighth-review.md, as the console).
// docs/decisions/077-demo-refusals-and-reset.md. No DOM: test/unit/demo-lost-reset.test.ts.

import type { ApiErr, ApiResult } from "../api/client.ts";
import { readUntilOk } from "../api/read-until-ok.ts";
import { time } from "../lib/format.ts";

export { outcomeUnknown } from "../console/reset-outcome.ts";

export interface LostDemoReset {
	/** When the reset was sent (ISO, this browser's clock). */
	sentAt: string;
	/** A hold of this demo's that was held when the reset was sent; null when none was known. */
	holdId: string | null;
	/** How the request failed. */
	problem: ApiErr;
	verdict: "unknown" | "done" | "not_done" | "not_yet";
	/** When the read that settled it was answered (ISO). */
	settledAt: string | null;
}

/**
 * What a read of `holdId` after the lost reset says: null while it says nothing yet. A hold still
 * there after a reset the page stopped waiting for (`mayStillRun`) is only "not yet".
 */
export function verdictOfHoldRead(
	r: { ok: boolean; code?: string },
	mayStillRun = false,
): "done" | "not_done" | "not_yet" | null {
	if (r.ok) return mayStillRun ? "not_yet" : "not_done";
	return r.code === "not_found" ? "done" : null;
}

/**
 * Reads the hold until a read settles the reset (with read-until-ok's backoff, never sooner
 * than a Retry-After): across a restart of the server too. A session gone cannot read it:
 * `sessionEnded` is told, and "not confirmed" stays. Returns what stops the reads.
 */
export function watchHold(
	read: () => Promise<ApiResult<unknown>>,
	settle: (verdict: "done" | "not_done" | "not_yet") => void,
	sessionEnded: (err: ApiErr) => void,
	mayStillRun = false,
): () => void {
	return readUntilOk(read, {
		ok: () => settle(mayStillRun ? "not_yet" : "not_done"),
		failed: (err) => {
			const verdict = verdictOfHoldRead(err);
			if (verdict !== null) settle(verdict);
			else if (err.code === "unauthorized") sessionEnded(err);
			return verdict === null && err.code !== "unauthorized";
		},
	});
}

export function lostResetText(l: LostDemoReset): string {
	const sent = time(l.sentAt);
	if (l.verdict === "done")
		return (
			`The sandbox was reset (sent at ${sent}), although the answer to the reset was lost: ` +
			`this demo's hold ${l.holdId} is gone, and only a reset removes a hold. Every unpaid hold was released.`
		);
	if (l.verdict === "not_yet")
		return (
			`Reset (sent at ${sent}) not confirmed: the page stopped waiting for its answer, not the server, ` +
			`and this demo's hold ${l.holdId} was still there at ${time(l.settledAt ?? l.sentAt)}. ` +
			"The server may still do the reset; step 2's counters show the sandbox as it is. " +
			"Resetting again could release a hold taken since."
		);
	if (l.verdict === "not_done")
		return (
			`Reset not done: this demo's hold ${l.holdId} was still there at ${time(l.settledAt ?? l.sentAt)}, ` +
			"and a reset releases every unpaid hold. Reset again if you still want to."
		);
	const why =
		l.problem.status === 0
			? l.problem.message
			: `The server answered ${l.problem.status}: ${l.problem.message}`;
	return l.holdId === null
		? `Reset (sent at ${sent}) not confirmed: ${why} The server may have done it before its answer was lost, ` +
				"and this demo holds no unit to tell by; the counters in step 2 show the sandbox as it is. " +
				"If it was done, resetting again within a minute of it is refused."
		: `Reset (sent at ${sent}) not confirmed: ${why} The server may have done it before its answer was lost. ` +
				`This line will say whether it did once the server answers again (a reset releases this demo's hold ${l.holdId}); ` +
				"resetting again before then is refused if it was done, resets being limited to one a minute.";
}
