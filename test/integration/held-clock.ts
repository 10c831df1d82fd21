// Clocks of the test's own for tests of time bounds (no wall-clock waits, docs/testing.md). The
// worker, its objects and the test share one isolate here, so Date.now() mocked in the test is
// the clock the edge and the objects read too.

import { vi } from "vitest";

/** Runs `body` with Date.now() held where the test sets it (it starts at the real time). */
export async function withHeldClock<T>(
	body: (setMs: (ms: number) => void) => Promise<T>,
): Promise<T> {
	let nowMs = Date.now();
	const spy = vi.spyOn(Date, "now").mockImplementation(() => nowMs);
	try {
		return await body((ms) => {
			nowMs = ms;
		});
	} finally {
		spy.mockRestore();
	}
}

/**
 * Runs `body` with Date.now() moving 1 ms at every read: between a call's send and its answer's
 * arrival the clock has moved, deterministically, however fast the machine is.
 */
export async function withTickingClock<T>(body: () => Promise<T>): Promise<T> {
	let nowMs = Date.now();
	const spy = vi.spyOn(Date, "now").mockImplementation(() => ++nowMs);
	try {
		return await body();
	} finally {
		spy.mockRestore();
	}
}
