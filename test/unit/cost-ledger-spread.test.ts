// Sessions that appear together must not flush their cost ledgers together
// (src/worker/cost/ledger.ts, `groupFlush`): in step, every LEDGER_FLUSH_MS all of
// the groups commit in one wave on the thread the reserve path runs on.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
	bornEntry,
	charge,
	flushUsage,
	forgetLedgerIsolate,
	LEDGER_FLUSH_MS,
} from "../../src/worker/cost/ledger.ts";
import { ledgerGroupName, ledgerGroupOf } from "../../src/worker/cost/ledger-groups.ts";
import type { Env } from "../../src/worker/env.ts";

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
	forgetLedgerIsolate();
});

describe("cost ledger flush spread", () => {
	it("gives groups whose first sessions appear at the same moment first calls spread over one interval, none before one interval", async () => {
		forgetLedgerIsolate();
		vi.useFakeTimers({ now: 1_000_000 });
		const randoms = [0, 0.25, 0.5, 0.75, 0.999];
		vi.spyOn(Math, "random").mockImplementation(() => randoms.shift() ?? 0);
		const flushedAtMs: Record<string, number> = {};
		const env = {
			LEDGER_GROUP: {
				idFromName: (name: string) => name,
				get: (name: string) => ({
					add: async (batch: { deltaUsd: number }[]) => {
						flushedAtMs[name] = Date.now();
						return batch.map((b) => ({ virtualUsd: b.deltaUsd, guardrail: null }));
					},
				}),
			},
		} as unknown as Env;
		const deferred: Promise<unknown>[] = [];
		const defer = (p: Promise<unknown>) => void deferred.push(p);
		// Five sessions in five different groups.
		const ids: string[] = [];
		const seen = new Set<number>();
		for (let i = 0; ids.length < 5; i++) {
			const id = `spread-${i}`;
			if (seen.has(ledgerGroupOf(id))) continue;
			seen.add(ledgerGroupOf(id));
			ids.push(id);
		}
		for (const id of ids) {
			const entry = bornEntry(id);
			charge(env, id, entry, 0.001, flushUsage(env, entry) !== null, defer);
		}
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		const offsets = ids.map(
			(id) => (flushedAtMs[ledgerGroupName(ledgerGroupOf(id))] ?? Number.NaN) - 1_000_000,
		);
		// Every first call waits at least one interval, and they fall at distinct times.
		for (const offset of offsets) {
			expect(offset).toBeGreaterThanOrEqual(LEDGER_FLUSH_MS);
			expect(offset).toBeLessThan(2 * LEDGER_FLUSH_MS);
		}
		expect(new Set(offsets).size).toBe(ids.length);
	});
});
