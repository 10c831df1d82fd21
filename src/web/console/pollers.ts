// The console's pollers (stats, audit trail, metrics): each asks again after every answer,
// at its cadence or backing off while it fails (src/web/console/poll.ts), and the first
// of them to get an answer again after failing tells the others that the server is back,
// so none of them keeps waiting out a backoff (up to 30 s) the server no longer deserves.
// Only a recovery says so: a poller that always gets its answer says nothing, so one whose
// own route keeps failing (the audit trail while D1 is down) keeps its backoff.
// Timers only, no DOM: unit-tested with fake timers (test/unit/console-pollers.test.ts).

import type { ApiErr } from "../api/client.ts";
import { pollDelayMs } from "./poll.ts";

export interface Poller {
	/** Asks again at once if the last poll failed (the server is back); otherwise nothing. */
	retryNow(): void;
	stop(): void;
}

/** One poll: true when it got its answer; false or the failed answer (for its Retry-After) when not. */
export type Poll = () => Promise<boolean | ApiErr>;

/**
 * Runs `poll` now, then again after each answer: at `baseMs`, or backing off while it fails
 * (false, or the failed answer, whose Retry-After then sets the wait: src/web/console/poll.ts).
 * `onWait` hears when the next poll is due after a failure (null after a success);
 * `onRecovered` hears a success that follows a failure.
 */
export function schedule(
	baseMs: number,
	poll: Poll,
	onWait: (retryAtMs: number | null) => void,
	onRecovered: () => void = () => {},
	random: () => number = Math.random,
): Poller {
	let failures = 0;
	let timer: ReturnType<typeof setTimeout> | null = null;
	let running = false;
	let stopped = false;
	const run = async () => {
		timer = null;
		if (stopped || running) return;
		running = true;
		const outcome = await poll().catch(() => false);
		running = false;
		if (stopped) return;
		const ok = outcome === true;
		const recovered = ok && failures > 0;
		failures = ok ? 0 : failures + 1;
		const retryAfter = typeof outcome === "object" ? outcome.retryAfterSeconds : null;
		const waitMs = pollDelayMs(baseMs, failures, random, retryAfter);
		onWait(ok ? null : Date.now() + waitMs);
		timer = setTimeout(() => void run(), waitMs);
		if (recovered) onRecovered();
	};
	void run();
	return {
		retryNow() {
			if (failures === 0 || running || stopped) return;
			if (timer !== null) clearTimeout(timer);
			void run();
		},
		stop() {
			stopped = true;
			if (timer !== null) clearTimeout(timer);
		},
	};
}

export interface PollSpec {
	baseMs: number;
	poll: Poll;
	onWait: (retryAtMs: number | null) => void;
}

/**
 * Pollers that share "the server is back": when one gets an answer after failing, every
 * other that is backing off tries at once, and `onRecovered` is called (the console wakes
 * its live socket with it). A poller that is fine ignores the call (Poller.retryNow).
 */
export function pollerGroup(
	specs: PollSpec[],
	onRecovered: () => void = () => {},
	random: () => number = Math.random,
): Poller {
	const pollers: Poller[] = [];
	const recovered = () => {
		for (const p of pollers) p.retryNow();
		onRecovered();
	};
	for (const s of specs) pollers.push(schedule(s.baseMs, s.poll, s.onWait, recovered, random));
	return {
		retryNow() {
			for (const p of pollers) p.retryNow();
		},
		stop() {
			for (const p of pollers) p.stop();
		},
	};
}
