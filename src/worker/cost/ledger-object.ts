// One small Durable Object per session holding its running modelled cost.
// Why an object and not KV: KV has no atomic add, so two isolates writing a
// session's total would lose each other's increments — the very lost update
// that eventual mode demonstrates. An object adds atomically, and the edge
// calls it at most once per LEDGER_FLUSH_MS per session (ledger.ts), never on
// the answer's path.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/** A session lives 20 minutes by default (api.md); its ledger is kept a day, then deleted. */
export const LEDGER_RETENTION_MS = 24 * 60 * 60 * 1000;
/** One flush can carry at most this much: anything larger is a bug upstream, not a cost. */
const MAX_DELTA_USD = 1_000_000;

export interface LedgerTotal {
	virtualUsd: number;
}

export class CostLedgerObject extends DurableObject<Env> {
	private virtualUsd = 0;
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
				const saved = ctx.storage.sql
					.exec<{ virtual_usd: number }>("SELECT virtual_usd FROM ledger WHERE id = 1")
					.toArray()[0];
				this.virtualUsd = saved?.virtual_usd ?? 0;
			}
		});
	}

	total(): LedgerTotal {
		return { virtualUsd: this.virtualUsd };
	}

	async add(deltaUsd: number): Promise<LedgerTotal> {
		if (!Number.isFinite(deltaUsd) || deltaUsd < 0 || deltaUsd > MAX_DELTA_USD) {
			throw new RangeError(`a ledger delta must be within 0..${MAX_DELTA_USD} USD`);
		}
		const first = !this.hasTable;
		if (first) {
			// Created on the first add only: asking an unknown session's total stores nothing.
			this.ctx.storage.sql.exec(
				"CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), virtual_usd REAL NOT NULL)",
			);
			this.hasTable = true;
		}
		this.virtualUsd += deltaUsd;
		this.ctx.storage.sql.exec(
			"INSERT INTO ledger (id, virtual_usd) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET virtual_usd = excluded.virtual_usd",
			this.virtualUsd,
		);
		if (first) await this.ctx.storage.setAlarm(Date.now() + LEDGER_RETENTION_MS);
		return { virtualUsd: this.virtualUsd };
	}

	override async alarm(): Promise<void> {
		await this.ctx.storage.deleteAll();
		this.virtualUsd = 0;
		this.hasTable = false;
	}
}
