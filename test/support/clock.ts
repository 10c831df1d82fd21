// A clock a test moves by hand, for the rate limits' request clock
// (RATE_LIMIT_CLOCK=request, src/ratelimit/config.ts): each request names the moment
// it is judged at, so a minute of clicks plays in milliseconds and no verdict
// depends on how busy the machine is. Runtime-neutral (workerd and node tests).

import { TEST_CLOCK_HEADER } from "../../src/ratelimit/config.ts";

export class TestClock {
	nowMs: number;

	/** Starts at the real time by default, so stored timestamps elsewhere stay plausible. */
	constructor(startMs = Date.now()) {
		this.nowMs = startMs;
	}

	advance(ms: number): number {
		this.nowMs += ms;
		return this.nowMs;
	}

	/** The header naming `atMs` (default: now on this clock). */
	header(atMs = this.nowMs): Record<string, string> {
		return { [TEST_CLOCK_HEADER]: String(atMs) };
	}
}

/** The variables that switch a server or a request to the request clock. */
export const REQUEST_CLOCK_VARS = { RATE_LIMIT_CLOCK: "request" } as const;
