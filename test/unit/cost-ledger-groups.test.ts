// The edge's side of the ledger groups (src/worker/cost/ledger.ts): many sessions'
// spend goes out as one call per group per LEDGER_FLUSH_MS, the modelled cost the
// responses report is exactly the calls and rows sent, another isolate's spend
// comes back with the next call, and a failed call loses nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { UsageCounts } from "../../src/shared/types.ts";
import {
	bornEntry,
	charge,
	flushUsage,
	forgetLedgerIsolate,
	LEDGER_FLUSH_MS,
	type LedgerEntry,
	totalUsd,
} from "../../src/worker/cost/ledger.ts";
import {
	LEDGER_GROUPS,
	type LedgerTotal,
	ledgerGroupName,
	ledgerGroupOf,
	type SpendBatch,
} from "../../src/worker/cost/ledger-groups.ts";
import type { Env } from "../../src/worker/env.ts";

/** The bench's sessions (cli/bench): enough to put several in every group. */
const SESSIONS = 256;

/** Ledger groups as the objects keep them: an atomic add per session, one call per batch. */
class FakeGroups {
	readonly totals = new Map<string, number>();
	readonly calls: { group: string; batch: SpendBatch }[] = [];
	failNext = 0;

	env(): Env {
		return {
			LEDGER_GROUP: {
				idFromName: (name: string) => name,
				get: (group: string) => ({
					add: async (batch: SpendBatch): Promise<LedgerTotal[]> => {
						this.calls.push({ group, batch });
						if (this.failNext > 0) {
							this.failNext -= 1;
							throw new Error("ledger group unreachable");
						}
						return batch.map((b) => {
							const total = (this.totals.get(b.sessionId) ?? 0) + b.deltaUsd;
							this.totals.set(b.sessionId, total);
							return { virtualUsd: total, guardrail: null };
						});
					},
				}),
			},
		} as unknown as Env;
	}
}

/**
 * What costMeta (src/worker/cost/meta.ts) does with each response of a session minted in this
 * isolate, as the bench's are (so its entry needs no read of its group).
 */
function respond(env: Env, sessionId: string, usd: number, modelled: Partial<UsageCounts>[]) {
	const entry = bornEntry(sessionId);
	const flush = flushUsage(env, entry);
	if (flush !== null) modelled.push(flush);
	charge(env, sessionId, entry, usd, flush !== null, () => undefined);
	return entry;
}

function sum(modelled: Partial<UsageCounts>[], key: keyof UsageCounts): number {
	return modelled.reduce((n, u) => n + (u[key] ?? 0), 0);
}

beforeEach(() => {
	forgetLedgerIsolate();
	vi.useFakeTimers({ now: 5_000_000 });
});

afterEach(() => {
	vi.useRealTimers();
	forgetLedgerIsolate();
});

describe("cost ledger groups at the edge", () => {
	it("sends one call per group per interval carrying every spending session, and charges exactly those calls and rows", async () => {
		const fake = new FakeGroups();
		const env = fake.env();
		const modelled: Partial<UsageCounts>[] = [];
		const ids = Array.from({ length: SESSIONS }, (_, i) => `ses_groups_${i}`);
		const charged = new Map<string, number>();
		// Three rounds of requests from every session inside one interval.
		for (let round = 0; round < 3; round++) {
			for (const id of ids) {
				respond(env, id, 0.000001 * (round + 1), modelled);
				charged.set(id, (charged.get(id) ?? 0) + 0.000001 * (round + 1));
			}
			await vi.advanceTimersByTimeAsync(100);
		}
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);

		const groupsUsed = new Set(ids.map((id) => ledgerGroupName(ledgerGroupOf(id))));
		expect(groupsUsed.size).toBe(LEDGER_GROUPS);
		// One call per group, not one per session.
		expect(fake.calls.length).toBe(groupsUsed.size);
		expect(new Set(fake.calls.map((c) => c.group))).toEqual(groupsUsed);
		const rows = fake.calls.flatMap((c) => c.batch);
		expect(rows.length).toBe(SESSIONS);
		for (const id of ids) {
			expect(fake.totals.get(id)).toBeCloseTo(charged.get(id) ?? 0, 15);
			expect(totalUsd(bornEntry(id))).toBeCloseTo(charged.get(id) ?? 0, 15);
		}
		// What the responses reported for the flushes is what was sent: a request per call, a row per session.
		expect(sum(modelled, "doRequests")).toBe(fake.calls.length);
		expect(sum(modelled, "doRowsWritten")).toBe(rows.length);

		// The next interval: again one call per group with a session that spent.
		const before = fake.calls.length;
		for (const id of ids.slice(0, 40)) respond(env, id, 0.000001, modelled);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		const later = fake.calls.slice(before);
		expect(later.length).toBe(new Set(ids.slice(0, 40).map(ledgerGroupOf)).size);
		expect(later.flatMap((c) => c.batch).length).toBe(40);
		expect(sum(modelled, "doRequests")).toBe(fake.calls.length);
		expect(sum(modelled, "doRowsWritten")).toBe(fake.calls.flatMap((c) => c.batch).length);
	});

	it("an isolate's own totals are exact at once, another isolate's spend arrives with the next call", async () => {
		const fake = new FakeGroups();
		const env = fake.env();
		const modelled: Partial<UsageCounts>[] = [];
		const id = "ses_two_isolates";
		let entry: LedgerEntry = respond(env, id, 0.001, modelled);
		expect(totalUsd(entry)).toBeCloseTo(0.001, 15);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(fake.totals.get(id)).toBeCloseTo(0.001, 15);
		// Another isolate flushed this session's spend into the same group meanwhile.
		fake.totals.set(id, (fake.totals.get(id) ?? 0) + 0.005);
		entry = respond(env, id, 0.002, modelled);
		expect(totalUsd(entry)).toBeCloseTo(0.003, 15);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(totalUsd(entry)).toBeCloseTo(0.008, 15);
		expect(fake.totals.get(id)).toBeCloseTo(0.008, 15);
	});

	it("a failed call loses nothing: its spend goes with the group's next call, counted once", async () => {
		const fake = new FakeGroups();
		const env = fake.env();
		const modelled: Partial<UsageCounts>[] = [];
		const id = "ses_fails_once";
		// Another session of the same group, so the retry rides on its call.
		let other = "";
		for (let i = 0; other === ""; i++) {
			if (ledgerGroupOf(`ses_neighbour_${i}`) === ledgerGroupOf(id)) other = `ses_neighbour_${i}`;
		}
		fake.failNext = 1;
		const entry = respond(env, id, 0.001, modelled);
		respond(env, id, 0.002, modelled);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(fake.calls.length).toBe(1);
		expect(fake.totals.get(id)).toBeUndefined();
		// Nothing sent stuck: the isolate still counts all of it.
		expect(totalUsd(entry)).toBeCloseTo(0.003, 15);

		respond(env, other, 0.004, modelled);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(fake.calls.length).toBe(2);
		expect(fake.calls[1]?.batch.map((b) => b.sessionId).sort()).toEqual([id, other].sort());
		expect(fake.totals.get(id)).toBeCloseTo(0.003, 15);
		expect(fake.totals.get(other)).toBeCloseTo(0.004, 15);
		expect(totalUsd(entry)).toBeCloseTo(0.003, 15);

		// The failed session's own next request arms a call too (it is already in the next one).
		fake.failNext = 1;
		respond(env, id, 0.001, modelled);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		const usage = flushUsage(env, entry);
		expect(usage).toEqual({ doRequests: 1, doWallMs: 1 });
		respond(env, id, 0.001, modelled);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(fake.totals.get(id)).toBeCloseTo(0.005, 15);
		expect(totalUsd(entry)).toBeCloseTo(0.005, 15);
		// Four calls made, four charged; each row charged once, as a retry writes the row the failed call did not.
		expect(sum(modelled, "doRequests")).toBe(fake.calls.length);
	});

	it("a session forgotten while its spend waits for the call keeps that spend when it comes back", async () => {
		const fake = new FakeGroups();
		const env = fake.env();
		const modelled: Partial<UsageCounts>[] = [];
		const id = "ses_evicted";
		respond(env, id, 0.001, modelled);
		// More sessions than an isolate remembers (ledger.ts MAX_SESSIONS) push it out.
		for (let i = 0; i < 10_001; i++) bornEntry(`ses_crowd_${i}`);
		const back = respond(env, id, 0.002, modelled);
		expect(totalUsd(back)).toBeCloseTo(0.003, 15);
		await vi.advanceTimersByTimeAsync(2 * LEDGER_FLUSH_MS);
		expect(fake.totals.get(id)).toBeCloseTo(0.003, 15);
		expect(totalUsd(back)).toBeCloseTo(0.003, 15);
	});
});
