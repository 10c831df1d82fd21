// The cost ledger's groups (src/worker/cost/ledger-group-object.ts) with real
// objects: many sessions' spend arrives as few calls of many rows, another
// isolate's spend shows in this one's totals within a flush interval, and a
// malformed batch changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { LEDGER_FLUSH_MS } from "../../src/worker/cost/ledger.ts";
import type {
	CostLedgerGroupObject,
	LedgerGroupStats,
} from "../../src/worker/cost/ledger-group-object.ts";
import {
	LEDGER_GROUPS,
	LEDGER_RETENTION_MS,
	ledgerGroupName,
	ledgerGroupOf,
} from "../../src/worker/cost/ledger-groups.ts";
import { costOf } from "./cost-support.ts";
import { call, createProduct } from "./helpers.ts";

/** Enough sessions to put more than one in most groups. */
const SESSIONS = 48;
/** A flush lands within two intervals of the spend; more on a loaded machine. */
const FLUSH_DEADLINE_MS = 6 * LEDGER_FLUSH_MS;

function groups() {
	const ns = env.LEDGER_GROUP;
	if (ns === undefined) throw new Error("the LEDGER_GROUP binding is missing from wrangler.jsonc");
	return ns;
}

function groupOf(sessionId: string) {
	return groups().get(groups().idFromName(ledgerGroupName(ledgerGroupOf(sessionId))));
}

async function allStats(): Promise<LedgerGroupStats[]> {
	return Promise.all(
		Array.from({ length: LEDGER_GROUPS }, (_, g) =>
			groups()
				.get(groups().idFromName(ledgerGroupName(g)))
				.stats(),
		),
	);
}

async function session(): Promise<{ token: string; sessionId: string; usd: number }> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: "test-debug-token" },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return { ...res.body.data, usd: costOf(res).virtualUsd };
}

describe("cost ledger groups", () => {
	it("writes a call's sessions in one transaction of many rows, adding to what is there", async () => {
		const ids = Array.from(
			{ length: 5 },
			(_, i) => `ses_multi_${i}_${crypto.randomUUID().slice(0, 8)}`,
		);
		// Five sessions of one group, as one isolate's call would carry them.
		const group = groupOf(ids[0] ?? "");
		const before = await group.stats();
		const batch = ids.map((sessionId, i) => ({
			sessionId,
			deltaUsd: 0.001 * (i + 1),
		}));
		const first = await group.add(batch);
		const second = await group.add(batch);
		const after = await group.stats();
		expect(after.adds - before.adds).toBe(2);
		expect(after.rowsWritten - before.rowsWritten).toBe(2 * ids.length);
		expect(first.map((t) => t.virtualUsd)).toEqual(batch.map((b) => b.deltaUsd));
		for (const [i, t] of second.entries()) {
			expect(t.virtualUsd).toBeCloseTo(2 * (batch[i]?.deltaUsd ?? 0), 15);
		}
	});

	it("folds many sessions' spend over HTTP into one call per group and interval", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const before = await allStats();
		const startedMs = Date.now();
		const made = await Promise.all(Array.from({ length: SESSIONS }, () => session()));
		const last = new Map<string, number>();
		await Promise.all(
			made.map(async (s) => {
				const res = await call("GET", `/api/products/${sku}/availability`, { token: s.token });
				last.set(s.sessionId, costOf(res).virtualUsd);
			}),
		);
		const spentForMs = Date.now() - startedMs;
		// Every session's total reaches its group, exactly as its last response reported it.
		await vi.waitFor(
			async () => {
				for (const s of made) {
					const t = await groupOf(s.sessionId).read(s.sessionId);
					expect(t.virtualUsd).toBeCloseTo(last.get(s.sessionId) ?? 0, 15);
				}
			},
			{ timeout: FLUSH_DEADLINE_MS, interval: 250 },
		);
		const after = await allStats();
		const adds = after.reduce((n, s, g) => n + s.adds - (before[g]?.adds ?? 0), 0);
		const rows = after.reduce((n, s, g) => n + s.rowsWritten - (before[g]?.rowsWritten ?? 0), 0);
		const touched = new Set(made.map((s) => ledgerGroupOf(s.sessionId))).size;
		expect(rows).toBeGreaterThanOrEqual(SESSIONS);
		// At most one call per group for each interval the spending touched (one object per
		// session made a call per session). Not a timing assertion: a slow machine allows more.
		const intervals = Math.ceil(spentForMs / LEDGER_FLUSH_MS) + 1;
		expect(adds).toBeLessThanOrEqual(touched * intervals);
	});

	it("another isolate's spend shows in this isolate's totals within a flush interval", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const s = await session();
		const first = costOf(
			await call("GET", `/api/products/${sku}/availability`, { token: s.token }),
		).virtualUsd;
		// What another isolate's flush does: an atomic add to the same row.
		const otherUsd = 0.0042;
		await groupOf(s.sessionId).add([{ sessionId: s.sessionId, deltaUsd: otherUsd }]);
		let mine = first;
		await vi.waitFor(
			async () => {
				const cost = costOf(
					await call("GET", `/api/products/${sku}/availability`, { token: s.token }),
				);
				mine += cost.requestUsd;
				expect(cost.virtualUsd).toBeCloseTo(mine + otherUsd, 15);
			},
			{ timeout: FLUSH_DEADLINE_MS, interval: 250 },
		);
		await vi.waitFor(
			async () =>
				expect((await groupOf(s.sessionId).read(s.sessionId)).virtualUsd).toBeCloseTo(
					mine + otherUsd,
					15,
				),
			{ timeout: FLUSH_DEADLINE_MS, interval: 250 },
		);
	});

	it("refuses a malformed batch and writes nothing of it", async () => {
		const sessionId = `ses_bad_${crypto.randomUUID().slice(0, 8)}`;
		const group = groupOf(sessionId);
		const batches = [
			[],
			[{ sessionId, deltaUsd: -1 }],
			[{ sessionId, deltaUsd: Number.NaN }],
			[{ sessionId, deltaUsd: 2_000_000 }],
			[{ sessionId: "", deltaUsd: 1 }],
			[
				{ sessionId, deltaUsd: 0.5 },
				{ sessionId: "x".repeat(1000), deltaUsd: 0.5 },
			],
		];
		// Called inside the object: a rejection across the RPC boundary is reported by the
		// test pool as unhandled even when the test awaits it.
		await runInDurableObject(group, async (instance: CostLedgerGroupObject) => {
			for (const batch of batches) {
				await expect(instance.add(batch)).rejects.toThrow(/ledger batch/);
			}
		});
		expect((await group.read(sessionId)).virtualUsd).toBe(0);
	});

	it("deletes a session's rows a day after its last write", async () => {
		const sessionId = `ses_day_${crypto.randomUUID().slice(0, 8)}`;
		const group = groupOf(sessionId);
		await group.add([{ sessionId, deltaUsd: 0.002 }]);
		await group.changeGuardrail(sessionId, { trip: true }, 0.0025);
		await runInDurableObject(group, async (instance: CostLedgerGroupObject, state) => {
			// As if a day had passed since the row was written.
			state.storage.sql.exec(
				"UPDATE spend SET last_ms = last_ms - ? WHERE session_id = ?",
				LEDGER_RETENTION_MS,
				sessionId,
			);
			expect(await state.storage.getAlarm()).not.toBeNull();
			await instance.alarm();
		});
		expect(await group.read(sessionId)).toEqual({ virtualUsd: 0, guardrail: null });
	});
});
