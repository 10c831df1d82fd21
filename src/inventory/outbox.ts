// The cold path (design.md): outbox rows written in the same transaction as
// each change are copied to D1 in batches. Inserts are idempotent (event id is
// the primary key), so a batch re-sent after a crash between the D1 write and
// the local delete inserts nothing twice. Nothing is lost while D1 is down:
// rows stay in the outbox and the alarm retries.

import { OUTBOX_FLUSH_BATCH } from "../domain/limits.ts";
import type { AuditEvent } from "../shared/types.ts";

/** Gathers the events of a burst into one D1 batch instead of one per change. */
const FLUSH_DEBOUNCE_MS = 25;

const INSERT_EVENT = `INSERT OR IGNORE INTO events
	(id, sku, seq, type, at, reservation_id, order_id, quantity, session_id, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export type Projector = (event: AuditEvent) => D1PreparedStatement[];

export class Outbox {
	private timer: ReturnType<typeof setTimeout> | null = null;
	private running: Promise<boolean> | null = null;

	constructor(
		private readonly sql: SqlStorage,
		private readonly db: D1Database,
		private readonly onFailure: (error: unknown) => void,
		/** Extra D1 writes derived from an event (e.g. the orders table), same batch. */
		private readonly project: Projector = () => [],
	) {}

	append(event: AuditEvent): void {
		this.sql.exec(
			"INSERT INTO outbox (seq, event) VALUES (?, ?)",
			event.seq,
			JSON.stringify(event),
		);
	}

	pending(): number {
		return Number(this.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n);
	}

	/** Flush soon, coalescing with other changes of the same burst. */
	schedule(): void {
		if (this.timer !== null) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			void this.flush();
		}, FLUSH_DEBOUNCE_MS);
	}

	/** Copies everything pending to D1. Resolves true when the outbox is empty. */
	flush(): Promise<boolean> {
		if (this.running === null) {
			this.running = this.drain().finally(() => {
				this.running = null;
			});
			return this.running;
		}
		// A flush is under way; run again after it so rows added meanwhile are included.
		return this.running.then(() => this.flush());
	}

	private async drain(): Promise<boolean> {
		try {
			for (;;) {
				const rows = this.sql
					.exec<{ seq: number; event: string }>(
						"SELECT seq, event FROM outbox ORDER BY seq LIMIT ?",
						OUTBOX_FLUSH_BATCH,
					)
					.toArray();
				const last = rows.at(-1);
				if (last === undefined) return true;
				const insert = this.db.prepare(INSERT_EVENT);
				const statements: D1PreparedStatement[] = [];
				for (const row of rows) {
					const e = JSON.parse(row.event) as AuditEvent;
					statements.push(
						insert.bind(
							e.id,
							e.sku,
							e.seq,
							e.type,
							e.at,
							e.reservationId ?? null,
							e.orderId ?? null,
							e.quantity ?? null,
							e.sessionId ?? null,
							e.detail === undefined ? null : JSON.stringify(e.detail),
						),
						...this.project(e),
					);
				}
				await this.db.batch(statements);
				this.sql.exec("DELETE FROM outbox WHERE seq <= ?", last.seq);
			}
		} catch (error) {
			this.onFailure(error);
			return false;
		}
	}
}
