// A ledger group's call waits LEDGER_FLUSH_MS on the isolate's clock, Date.now()
// (src/worker/cost/ledger.ts, `flushDue`), the clock the edge's bound and a shard's memo read:
// a test that holds that clock (test/integration/held-clock.ts) holds the flushes too, so
// the object calls it counts do not grow with how long a loaded machine takes to run it.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
	bornEntry,
	charge,
	flushUsage,
	forgetLedgerIsolate,
	LEDGER_FLUSH_MS,
} from "../../src/worker/cost/ledger.ts";
import type { SpendBatch } from "../../src/worker/cost/ledger-groups.ts";
import type { Env } from "../../src/worker/env.ts";

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
	forgetLedgerIsolate();
});

describe("cost ledger flush clock", () => {
	it("sends no call while Date.now() stays short of the interval, however long the timers run, and sends it once it passes", async () => {
		forgetLedgerIsolate();
		const startMs = 1_000_000;
		vi.useFakeTimers({ now: startMs });
		// The group's first call one interval after its first spend, no random part.
		vi.spyOn(Math, "random").mockReturnValue(0);
		let heldMs = startMs;
		vi.spyOn(Date, "now").mockImplementation(() => heldMs);
		const sent: SpendBatch[] = [];
		const env = {
			LEDGER_GROUP: {
				idFromName: (name: string) => name,
				get: () => ({
					add: async (batch: SpendBatch) => {
						sent.push(batch);
						return batch.map((b) => ({ virtualUsd: b.deltaUsd, guardrail: null }));
					},
				}),
			},
		} as unknown as Env;
		const id = `ses_clock_${crypto.randomUUID().slice(0, 8)}`;
		const entry = bornEntry(id);
		charge(env, id, entry, 0.001, flushUsage(env, entry) !== null, () => undefined);

		// The timers run for three intervals while the isolate's clock stays put.
		await vi.advanceTimersByTimeAsync(3 * LEDGER_FLUSH_MS);
		expect(sent).toEqual([]);
		// One millisecond short of the interval on the isolate's clock: still nothing.
		heldMs = startMs + LEDGER_FLUSH_MS - 1;
		await vi.advanceTimersByTimeAsync(3 * LEDGER_FLUSH_MS);
		expect(sent).toEqual([]);
		// The interval has passed on the isolate's clock: the call goes, once.
		heldMs = startMs + LEDGER_FLUSH_MS;
		await vi.advanceTimersByTimeAsync(LEDGER_FLUSH_MS);
		expect(sent).toEqual([[{ sessionId: id, deltaUsd: 0.001 }]]);
		await vi.advanceTimersByTimeAsync(3 * LEDGER_FLUSH_MS);
		expect(sent).toHaveLength(1);
	});
});
