// After the burst: the buyers still acting on their holds finish (acts.ts: each hold's fate
// was drawn when it was taken and is acted on while it lives, most of them during the burst),
// the holds left alone expire, and the run waits until they have. What each answer implied
// is already in the tally (`expected`); the holds left to expire are marked EXPIRED here once
// the wait has passed their expiresAt.

import { sleep } from "../../src/shared/sleep.ts";
import type { Acts, ActsFigures } from "./acts.ts";
import type { Progress } from "./progress.ts";
import type { TallyHold } from "./types.ts";

/** Margin past the last expiresAt before the expired holds are read (clock granularity, alarm delay). */
const EXPIRY_MARGIN_MS = 1_500;
/** How often the waits look at the acts, the clock and the run's stop. */
const POLL_MS = 250;

export type SettleResult = ActsFigures;

export async function settle(
	acts: Acts,
	holds: TallyHold[],
	progress: Progress,
	expired: () => boolean,
	/** Holds whose answer was lost are not in the tally; they are due by this moment (epoch ms). */
	unseenDueMs: number,
): Promise<SettleResult> {
	// The acts in flight and those still thinking (the holds taken last): bounded by their think
	// time (acts.ts THINK_MAX_MS), the checkouts' own timeouts and retries.
	while (acts.remaining > 0) {
		if (expired()) {
			acts.stop();
			if (acts.remaining === 0) break;
		}
		const { acted, taken } = acts.progress();
		progress.update(`settle: ${acted}/${taken} checkouts and cancels done`);
		await sleep(POLL_MS);
	}

	// The rest expire on their own: wait until the last of them is due. Only a wait that ran
	// its course says they expired; a run stopped before leaves it to the records.
	const left = holds.filter((h) => h.fate === "expire");
	const lastExpiryMs = Math.max(
		0,
		...holds
			.filter((h) => h.fate === "expire" || h.expected === "EXPIRED" || h.expected === null)
			.map((h) => Date.parse(h.expiresAt)),
	);
	const dueMs = Math.max(lastExpiryMs, unseenDueMs) + EXPIRY_MARGIN_MS;
	while (Date.now() < dueMs && !expired()) {
		progress.update(
			`expiry: ${left.length} holds left to expire, ${Math.ceil((dueMs - Date.now()) / 1000)} s to go`,
		);
		await sleep(Math.min(POLL_MS, Math.max(1, dueMs - Date.now())));
	}
	if (Date.now() >= dueMs) for (const h of left) h.expected = "EXPIRED";
	return acts.figures;
}

/**
 * The settle phase's line: the acts' answers, and how many holds expired — those the run knows
 * ended so (left alone past their expiresAt once the wait ran its course, a checkout met a lapsed
 * hold or a declined card kept it, an act not sent as its hold had lapsed), never "the rest",
 * which may be none.
 */
export function settledLine(s: SettleResult, holds: readonly TallyHold[]): string {
	const expired = holds.filter((h) => h.expected === "EXPIRED").length;
	return `drop: checkouts ${JSON.stringify(s.checkoutStatus)} (${s.checkoutsDuringBurst} during the burst, ${s.lapsedCheckouts} met a lapsed hold, ${s.lapsedInQueue} acts not sent: the hold lapsed first), cancels ${JSON.stringify(s.cancelStatus)}, ${expired} expired`;
}
