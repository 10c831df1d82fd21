// Sessions that appear together must not flush their cost ledgers together
// (src/worker/cost/ledger.ts, `fresh`): in step, every LEDGER_FLUSH_MS all of them
// commit in one wave on the thread the reserve path runs on.
import { afterEach, describe, expect, it, vi } from "vitest";
import { charge, entryFor, LEDGER_FLUSH_MS } from "../../src/worker/cost/ledger.ts";
import type { Env } from "../../src/worker/env.ts";

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

describe("cost ledger flush spread", () => {
	it("gives sessions that appear at the same moment first flushes spread over one interval, none before one interval", async () => {
		const stamp = `spread-${Math.random()}`;
		vi.useFakeTimers({ now: 1_000_000 });
		const randoms = [0, 0.25, 0.5, 0.75, 0.999];
		vi.spyOn(Math, "random").mockImplementation(() => randoms.shift() ?? 0);
		const flushedAtMs: Record<string, number> = {};
		const env = {
			LEDGER: {
				idFromName: (name: string) => name,
				get: (id: string) => ({
					add: async () => {
						flushedAtMs[id] = Date.now();
						return { virtualUsd: 1, guardrail: null };
					},
				}),
			},
		} as unknown as Env;
		const deferred: Promise<unknown>[] = [];
		const defer = (p: Promise<unknown>) => void deferred.push(p);
		const ids = Array.from({ length: 5 }, (_, i) => `${stamp}-${i}`);
		for (const id of ids) charge(env, id, entryFor(env, id, defer), 0.001, true, defer);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		const offsets = ids.map((id) => (flushedAtMs[id] ?? Number.NaN) - 1_000_000);
		// Every first flush waits at least one interval, and they fall at distinct times.
		for (const offset of offsets) {
			expect(offset).toBeGreaterThanOrEqual(LEDGER_FLUSH_MS);
			expect(offset).toBeLessThan(2 * LEDGER_FLUSH_MS);
		}
		expect(new Set(offsets).size).toBe(ids.length);
	});
});
