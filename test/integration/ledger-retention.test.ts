// How long a cost ledger group keeps a session's rows (src/worker/cost/ledger-group-object.ts):
// a day after the session's last spend, so a session renewed again and again (decision 086)
// keeps its total and guardrail while it is used; and a group written before that rule (schema
// version 1, retention from the first spend) keeps its rows through the migration. The clock is
// the test's own (held-clock.ts), never waited for.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/storage/do-migrations.ts";
import {
	type CostLedgerGroupObject,
	LEDGER_GROUP_MIGRATIONS,
} from "../../src/worker/cost/ledger-group-object.ts";
import { LEDGER_RETENTION_MS } from "../../src/worker/cost/ledger-groups.ts";
import { withHeldClock } from "./held-clock.ts";

const HOUR_MS = 60 * 60 * 1000;

/** A group of its own (any name is a group), so no other test's rows are in it. */
function freshGroup() {
	const ns = env.LEDGER_GROUP;
	if (ns === undefined) throw new Error("the LEDGER_GROUP binding is missing from wrangler.jsonc");
	return ns.get(ns.idFromName(`retention-${crypto.randomUUID()}`));
}

function sessionId(): string {
	return `ses_ret_${crypto.randomUUID().slice(0, 8)}`;
}

async function runAlarm(group: ReturnType<typeof freshGroup>): Promise<void> {
	await runInDurableObject(group, (instance: CostLedgerGroupObject) => instance.alarm());
}

describe("cost ledger retention", () => {
	it("keeps a session's rows a day after its last spend, not its first", async () => {
		const group = freshGroup();
		const id = sessionId();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			await group.add([{ sessionId: id, deltaUsd: 0.002 }]);
			await group.changeGuardrail(id, { thresholdUsd: 0.01 }, 0.0025);
			// Still in use 23 h later (a session renewed every few minutes since).
			setMs(t0 + 23 * HOUR_MS);
			await group.add([{ sessionId: id, deltaUsd: 0.001 }]);
			// A day after the first spend: the session spent an hour ago, so nothing goes.
			setMs(t0 + LEDGER_RETENTION_MS + 1000);
			await runAlarm(group);
			const kept = await group.read(id);
			expect(kept.virtualUsd).toBeCloseTo(0.003, 9);
			expect(kept.guardrail).toMatchObject({ thresholdUsd: 0.01, manual: false, version: 1 });
			// A day after the last spend: the session has ended, its rows go.
			setMs(t0 + 23 * HOUR_MS + LEDGER_RETENTION_MS + 1000);
			await runAlarm(group);
			expect(await group.read(id)).toEqual({ virtualUsd: 0, guardrail: null });
		});
	});

	it("a guardrail change counts as the session's latest activity", async () => {
		const group = freshGroup();
		const id = sessionId();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			await group.add([{ sessionId: id, deltaUsd: 0.002 }]);
			setMs(t0 + 20 * HOUR_MS);
			await group.changeGuardrail(id, { trip: true }, 0.0025);
			setMs(t0 + LEDGER_RETENTION_MS + 1000);
			await runAlarm(group);
			expect((await group.read(id)).guardrail).toMatchObject({ manual: true });
		});
	});

	it("a group written at schema version 1 keeps its rows, counted from their first write until the next", async () => {
		const group = freshGroup();
		const kept = sessionId();
		const old = sessionId();
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			await runInDurableObject(group, (_: CostLedgerGroupObject, state) => {
				// Rebuild the storage as version 1 left it, with two sessions' rows.
				const sql = state.storage.sql;
				for (const table of ["spend", "guardrail", "meta", "_migrations"]) {
					sql.exec(`DROP TABLE ${table}`);
				}
				migrate(state.storage, LEDGER_GROUP_MIGRATIONS.slice(0, 1), "CostLedgerGroupObject");
				sql.exec("INSERT INTO meta (id, born_ms) VALUES (1, ?)", t0 - 2 * HOUR_MS);
				sql.exec(
					"INSERT INTO spend (session_id, virtual_usd, created_ms) VALUES (?, 0.25, ?), (?, 0.5, ?)",
					kept,
					t0 - HOUR_MS,
					old,
					t0 - HOUR_MS,
				);
				sql.exec(
					"INSERT INTO guardrail (session_id, threshold_usd, manual, version) VALUES (?, 0.01, 0, 3)",
					kept,
				);
			});
			await evictDurableObject(group);
			expect(await group.read(kept)).toEqual({
				virtualUsd: 0.25,
				guardrail: { thresholdUsd: 0.01, manual: false, version: 3 },
			});
			setMs(t0 + 12 * HOUR_MS);
			await group.add([{ sessionId: kept, deltaUsd: 0.25 }]);
			setMs(t0 - HOUR_MS + LEDGER_RETENTION_MS + 1000);
			await runAlarm(group);
			expect((await group.read(kept)).virtualUsd).toBe(0.5);
			expect(await group.read(old)).toEqual({ virtualUsd: 0, guardrail: null });
			await runInDurableObject(group, (_: CostLedgerGroupObject, state) => {
				const versions = state.storage.sql
					.exec<{ version: number }>("SELECT version FROM _migrations ORDER BY version")
					.toArray()
					.map((r) => r.version);
				expect(versions).toEqual(LEDGER_GROUP_MIGRATIONS.map((m) => m.version));
			});
		});
	});
});
