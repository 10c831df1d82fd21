// Why a drop run's checkout met a lapsed hold (cli/drop/acts.ts counts them; docs/drop-simulator.md):
// on its way, granted short, sent while the wall clock stepped, or sent late. Pure.

/**
 * A checkout sent with at least this much of its hold left, answered 410 after the hold's end,
 * lapsed on its way: the server (and any retries) took longer than the hold had left. Counted
 * apart (`lapsedCauses.inFlight`) from one the buyer sent too late.
 */
export const IN_FLIGHT_MIN_LEFT_MS = 1_000;
/**
 * A hold whose 201 came with less than this much of its life left gives its buyer no time to
 * act (the think time is a quarter of what is left): a checkout of it that met a lapsed hold
 * was the server's answer's doing, not the buyer's (`lapsedCauses.grantedShort`).
 */
export const SHORT_GRANT_MS = 2 * IN_FLIGHT_MIN_LEFT_MS;
/** A move of the wall clock against the monotonic one this large is a step (NTP, a paused VM). */
export const CLOCK_STEP_MIN_MS = 100;
/** A lapsed checkout's timing (ms), on the wall clock the hold's expiresAt is on. */
export interface LapsedTiming {
	/** The hold's life left when its 201 arrived. */
	leftAtGrantMs: number;
	leftAtSendMs: number;
	leftAtAnswerMs: number;
	/**
	 * How far the wall clock moved, between the 201 and the checkout's send, beyond the time
	 * that passed (the monotonic clock): 0 on a steady clock, the size of a step otherwise.
	 */
	clockStepMs: number;
}

/**
 * Why a checkout met a lapsed hold:
 * - `inFlight`: sent with IN_FLIGHT_MIN_LEFT_MS or more of the hold left, answered after its
 *   end: the server (and any retries) took longer than the hold had left;
 * - `clockStepped`: the wall clock, which the hold's expiresAt is on, stepped forward between
 *   the 201 and the send by enough that the checkout, sent on time by the monotonic clock, left
 *   with under IN_FLIGHT_MIN_LEFT_MS;
 * - `grantedShort`: the 201 came with under SHORT_GRANT_MS of the hold left (the hold was
 *   stamped long before its answer reached the buyer), too little to think and act in;
 * - `sentLate`: none of these: the buyer sent it in the hold's last second, which the run's
 *   buyers, acting within a quarter of the hold's life left, never do.
 */
export type LapseCause = "inFlight" | "clockStepped" | "grantedShort" | "sentLate";

export function lapseCause(t: LapsedTiming): LapseCause {
	if (t.leftAtSendMs >= IN_FLIGHT_MIN_LEFT_MS && t.leftAtAnswerMs <= 0) return "inFlight";
	if (t.clockStepMs >= CLOCK_STEP_MIN_MS && t.leftAtSendMs + t.clockStepMs >= IN_FLIGHT_MIN_LEFT_MS)
		return "clockStepped";
	if (t.leftAtGrantMs < SHORT_GRANT_MS) return "grantedShort";
	return "sentLate";
}
