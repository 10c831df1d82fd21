// The cost ledger's storage: sessions hash into LEDGER_GROUPS objects, and each
// holds the running totals and demo guardrails of its sessions, one row each.
// The edge (ledger.ts) sends a group at most one call per LEDGER_FLUSH_MS with
// every pending session of that group in it, written in one statement, so one
// durable commit carries many sessions' spend (docs/hot-path/commit-cycle.md, "Ledger groups";
// docs/decisions/041-ledger-groups.md).
//
// Scale: each isolate calls each group at most once per interval, so a group
// object sees about (isolates spending in it) ÷ LEDGER_FLUSH_MS calls a second —
// 0.5/s per isolate at 2 s, whatever the number of sessions. More groups do not
// lower that bound; they make each call carry fewer rows and keep a group's
// table small. 16 keeps the bench's one isolate at ≤ 8 ledger calls a second
// (from ~128 with one object per session) and a group under a few hundred calls a
// second up to several hundred isolates, well within what one object serves.

import { DurableObject } from "cloudflare:workers";
import { type DemoGuardrailSetting, isDemoThreshold } from "../../shared/demo-guardrail.ts";
import { type Migration, migrate } from "../../storage/do-migrations.ts";
import type { Env } from "../env.ts";
import {
	type GuardrailChange,
	LEDGER_RETENTION_MS,
	type LedgerTotal,
	SessionId,
	SpendBatch,
} from "./ledger-groups.ts";

/** Numbered migrations (storage/do-migrations.ts); append, never edit one that has shipped. */
export const LEDGER_GROUP_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		// `meta.born_ms` served the import of the per-session ledgers (decision 041), removed by
		// decision 093; the table stays, as a shipped migration does, and is no longer written.
		name: "sessions' totals and guardrails, and when the group was born",
		up: [
			`CREATE TABLE spend (session_id TEXT PRIMARY KEY, virtual_usd REAL NOT NULL,
				created_ms INTEGER NOT NULL)`,
			"CREATE INDEX spend_created ON spend (created_ms)",
			`CREATE TABLE guardrail (session_id TEXT PRIMARY KEY, threshold_usd REAL NOT NULL,
				manual INTEGER NOT NULL, version INTEGER NOT NULL)`,
			"CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), born_ms INTEGER NOT NULL)",
		],
	},
	{
		version: 2,
		// A renewed session (decision 086) can live past a day: its rows are kept a day after its
		// last spend, not its first (docs/decisions/092-review-11-leftovers.md). A row written
		// before keeps its first write as its last until its next spend.
		name: "retention counted from a session's last spend",
		up: [
			"ALTER TABLE spend RENAME COLUMN created_ms TO last_ms",
			"DROP INDEX spend_created",
			"CREATE INDEX spend_last ON spend (last_ms)",
		],
	},
];

/** What a group has done since it was loaded: the proof that flushes are folded. */
export interface LedgerGroupStats {
	/** `add` calls, each one transaction. */
	adds: number;
	/** Session rows those calls wrote. */
	rowsWritten: number;
}

type GuardrailRow = { session_id: string; threshold_usd: number; manual: number; version: number };

function settingOf(g: GuardrailRow): DemoGuardrailSetting {
	return { thresholdUsd: g.threshold_usd, manual: g.manual === 1, version: g.version };
}

export class CostLedgerGroupObject extends DurableObject<Env> {
	private alarmAtMs: number | null = null;
	private readonly stats_: LedgerGroupStats = { adds: 0, rowsWritten: 0 };

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			migrate(ctx.storage, LEDGER_GROUP_MIGRATIONS, "CostLedgerGroupObject");
			this.alarmAtMs = await ctx.storage.getAlarm();
		});
	}

	/** A session's total and guardrail (the edge's read when it first sees a session). */
	read(sessionId: string): LedgerTotal {
		const id = SessionId.parse(sessionId);
		const row = this.ctx.storage.sql
			.exec<{ virtual_usd: number }>("SELECT virtual_usd FROM spend WHERE session_id = ?", id)
			.toArray()[0];
		return { virtualUsd: row?.virtual_usd ?? 0, guardrail: this.guardrailOf(id) };
	}

	/**
	 * Adds each session's delta atomically, all in one statement and so one commit, and
	 * answers every session's new total and guardrail, in the order asked.
	 */
	async add(batch: SpendBatch): Promise<LedgerTotal[]> {
		const parsed = SpendBatch.safeParse(batch);
		if (!parsed.success) {
			throw new RangeError(`a ledger batch is malformed: ${parsed.error.issues[0]?.message}`);
		}
		const rows = parsed.data;
		const nowMs = Date.now();
		const totals = new Map<string, number>();
		// One INSERT for the whole batch (json_each), so the row count per call does not
		// change the statement count; ON CONFLICT adds to what other isolates wrote.
		const written = this.ctx.storage.sql.exec<{ session_id: string; virtual_usd: number }>(
			`INSERT INTO spend (session_id, virtual_usd, last_ms)
			 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ? FROM json_each(?) WHERE true
			 ON CONFLICT (session_id) DO UPDATE SET virtual_usd = spend.virtual_usd + excluded.virtual_usd,
			 last_ms = excluded.last_ms
			 RETURNING session_id, virtual_usd`,
			nowMs,
			JSON.stringify(rows.map((r) => [r.sessionId, r.deltaUsd])),
		);
		for (const row of written) totals.set(row.session_id, row.virtual_usd);
		const guardrails = this.guardrailsOf(rows.map((r) => r.sessionId));
		this.stats_.adds += 1;
		this.stats_.rowsWritten += rows.length;
		await this.keepForRetention(nowMs);
		return rows.map((r) => ({
			virtualUsd: totals.get(r.sessionId) ?? 0,
			guardrail: guardrails.get(r.sessionId) ?? null,
		}));
	}

	/**
	 * Sets a session's demo threshold (and re-arms its guardrail), or trips it by hand.
	 * Tripping a session that set no threshold starts from the demo's default.
	 */
	async changeGuardrail(
		sessionId: string,
		change: GuardrailChange,
		defaultUsd: number,
	): Promise<LedgerTotal> {
		const id = SessionId.parse(sessionId);
		const old = this.guardrailOf(id);
		const thresholdUsd =
			"thresholdUsd" in change ? change.thresholdUsd : (old?.thresholdUsd ?? defaultUsd);
		if (!isDemoThreshold(thresholdUsd)) {
			throw new RangeError(
				"a demo guardrail threshold must be within the bounds of shared/demo-guardrail.ts",
			);
		}
		const nowMs = Date.now();
		const next: DemoGuardrailSetting = {
			thresholdUsd,
			manual: "trip" in change,
			version: (old?.version ?? 0) + 1,
		};
		// The spend row carries the retention clock, so a guardrail set before any spend has one,
		// and a change to it counts as the session's latest activity.
		this.ctx.storage.sql.exec(
			"INSERT INTO spend (session_id, virtual_usd, last_ms) VALUES (?, 0, ?) ON CONFLICT (session_id) DO UPDATE SET last_ms = excluded.last_ms",
			id,
			nowMs,
		);
		this.ctx.storage.sql.exec(
			`INSERT INTO guardrail (session_id, threshold_usd, manual, version) VALUES (?, ?, ?, ?)
			 ON CONFLICT (session_id) DO UPDATE SET threshold_usd = excluded.threshold_usd,
			 manual = excluded.manual, version = excluded.version`,
			id,
			next.thresholdUsd,
			next.manual ? 1 : 0,
			next.version,
		);
		await this.keepForRetention(nowMs);
		return this.read(id);
	}

	stats(): LedgerGroupStats {
		return { ...this.stats_ };
	}

	/**
	 * A day after its last write, a session's rows go. Every request of a session is a spend,
	 * its renewal included, so a session still in use (renewed again and again, decision 086)
	 * keeps its total and guardrail; one unused for a day has ended.
	 */
	override async alarm(): Promise<void> {
		const cutoffMs = Date.now() - LEDGER_RETENTION_MS;
		const sql = this.ctx.storage.sql;
		sql.exec(
			"DELETE FROM guardrail WHERE session_id IN (SELECT session_id FROM spend WHERE last_ms <= ?)",
			cutoffMs,
		);
		sql.exec("DELETE FROM spend WHERE last_ms <= ?", cutoffMs);
		const oldest = sql.exec<{ ms: number | null }>("SELECT MIN(last_ms) AS ms FROM spend").one().ms;
		this.alarmAtMs = oldest === null ? null : oldest + LEDGER_RETENTION_MS;
		if (this.alarmAtMs !== null) await this.ctx.storage.setAlarm(this.alarmAtMs);
	}

	private async keepForRetention(nowMs: number): Promise<void> {
		if (this.alarmAtMs !== null) return;
		this.alarmAtMs = nowMs + LEDGER_RETENTION_MS;
		await this.ctx.storage.setAlarm(this.alarmAtMs);
	}

	private guardrailOf(sessionId: string): DemoGuardrailSetting | null {
		const g = this.ctx.storage.sql
			.exec<GuardrailRow>(
				"SELECT session_id, threshold_usd, manual, version FROM guardrail WHERE session_id = ?",
				sessionId,
			)
			.toArray()[0];
		return g === undefined ? null : settingOf(g);
	}

	private guardrailsOf(sessionIds: string[]): Map<string, DemoGuardrailSetting> {
		const found = new Map<string, DemoGuardrailSetting>();
		const rows = this.ctx.storage.sql.exec<GuardrailRow>(
			`SELECT session_id, threshold_usd, manual, version FROM guardrail
			 WHERE session_id IN (SELECT value FROM json_each(?))`,
			JSON.stringify(sessionIds),
		);
		for (const g of rows) found.set(g.session_id, settingOf(g));
		return found;
	}
}
