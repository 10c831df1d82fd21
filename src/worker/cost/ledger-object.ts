// One small Durable Object per session holding its running modelled cost.
// Why an object and not KV: KV has no atomic add, so two isolates writing a
// session's total would lose each other's increments — the very lost update
// that eventual mode demonstrates. An object adds atomically, and the edge
// calls it at most once per LEDGER_FLUSH_MS per session (ledger.ts), never on
// the answer's path.

import { DurableObject } from "cloudflare:workers";
import { type DemoGuardrailSetting, isDemoThreshold } from "../../shared/demo-guardrail.ts";
import { type Migration, migrate } from "../../storage/do-migrations.ts";
import type { Env } from "../env.ts";

/** A session lives 20 minutes by default (docs/api.md); this object deleted its ledger a day after its first spend, a group (ledger-group-object.ts) a day after its last. */
export const LEDGER_RETENTION_MS = 24 * 60 * 60 * 1000;
/** One flush can carry at most this much: anything larger is a bug upstream, not a cost. */
const MAX_DELTA_USD = 1_000_000;

/** Numbered migrations (storage/do-migrations.ts); append, never edit one that has shipped. */
export const LEDGER_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		// IF NOT EXISTS: adopts a ledger written before versions were recorded, including
		// one from before the demo guardrail, which gets its table here.
		name: "initial schema (adopts databases from before versions)",
		up: [
			"CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), virtual_usd REAL NOT NULL)",
			`CREATE TABLE IF NOT EXISTS guardrail (id INTEGER PRIMARY KEY CHECK (id = 1),
				threshold_usd REAL NOT NULL, manual INTEGER NOT NULL, version INTEGER NOT NULL)`,
		],
	},
];

export interface LedgerTotal {
	virtualUsd: number;
	/** The session's own guardrail from the demo page, if it set one (shared/demo-guardrail.ts). */
	guardrail: DemoGuardrailSetting | null;
}

/** A change to the session's demo guardrail: a new threshold (re-arms it), or a trip by hand. */
export type GuardrailChange = { thresholdUsd: number } | { trip: true };

export class CostLedgerObject extends DurableObject<Env> {
	private virtualUsd = 0;
	private guardrail: DemoGuardrailSetting | null = null;
	/** False after the retention alarm dropped everything, so a late add recreates the table. */
	private hasTable = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			const row = ctx.storage.sql
				.exec<{ n: number }>(
					"SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ledger'",
				)
				.one();
			this.hasTable = row.n > 0;
			if (this.hasTable) {
				// A ledger written by earlier code is brought up to date; a newer one is refused.
				migrate(ctx.storage, LEDGER_MIGRATIONS, "CostLedgerObject");
				const saved = ctx.storage.sql
					.exec<{ virtual_usd: number }>("SELECT virtual_usd FROM ledger WHERE id = 1")
					.toArray()[0];
				this.virtualUsd = saved?.virtual_usd ?? 0;
				const g = ctx.storage.sql
					.exec<{ threshold_usd: number; manual: number; version: number }>(
						"SELECT threshold_usd, manual, version FROM guardrail WHERE id = 1",
					)
					.toArray()[0];
				if (g !== undefined)
					this.guardrail = {
						thresholdUsd: g.threshold_usd,
						manual: g.manual === 1,
						version: g.version,
					};
			}
		});
	}

	total(): LedgerTotal {
		return { virtualUsd: this.virtualUsd, guardrail: this.guardrail };
	}

	/**
	 * Sets the session's demo threshold (and re-arms the guardrail), or trips it by
	 * hand. Tripping a session that set no threshold starts from the demo's default.
	 */
	async changeGuardrail(change: GuardrailChange, defaultUsd: number): Promise<LedgerTotal> {
		const thresholdUsd =
			"thresholdUsd" in change ? change.thresholdUsd : (this.guardrail?.thresholdUsd ?? defaultUsd);
		if (!isDemoThreshold(thresholdUsd)) {
			throw new RangeError(
				"a demo guardrail threshold must be within the bounds of shared/demo-guardrail.ts",
			);
		}
		const first = this.ensureTables();
		this.guardrail = {
			thresholdUsd,
			manual: "trip" in change,
			version: (this.guardrail?.version ?? 0) + 1,
		};
		this.ctx.storage.sql.exec(
			`INSERT INTO guardrail (id, threshold_usd, manual, version) VALUES (1, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET threshold_usd = excluded.threshold_usd, manual = excluded.manual, version = excluded.version`,
			this.guardrail.thresholdUsd,
			this.guardrail.manual ? 1 : 0,
			this.guardrail.version,
		);
		if (first) await this.ctx.storage.setAlarm(Date.now() + LEDGER_RETENTION_MS);
		return this.total();
	}

	async add(deltaUsd: number): Promise<LedgerTotal> {
		if (!Number.isFinite(deltaUsd) || deltaUsd < 0 || deltaUsd > MAX_DELTA_USD) {
			throw new RangeError(`a ledger delta must be within 0..${MAX_DELTA_USD} USD`);
		}
		const first = this.ensureTables();
		this.virtualUsd += deltaUsd;
		this.ctx.storage.sql.exec(
			"INSERT INTO ledger (id, virtual_usd) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET virtual_usd = excluded.virtual_usd",
			this.virtualUsd,
		);
		if (first) await this.ctx.storage.setAlarm(Date.now() + LEDGER_RETENTION_MS);
		return this.total();
	}

	override async alarm(): Promise<void> {
		await this.ctx.storage.deleteAll();
		this.virtualUsd = 0;
		this.guardrail = null;
		this.hasTable = false;
	}

	/**
	 * Created on the first write only: asking an unknown session's total stores
	 * nothing. True when this call created them (the retention alarm is then set).
	 */
	private ensureTables(): boolean {
		if (this.hasTable) return false;
		migrate(this.ctx.storage, LEDGER_MIGRATIONS, "CostLedgerObject");
		this.hasTable = true;
		return true;
	}
}
