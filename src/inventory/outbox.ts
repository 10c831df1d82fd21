// The cold path (docs/architecture.md): outbox rows written in the same transaction as
// each change are copied to D1 in batches. Inserts are idempotent (event id is
// the primary key), so a batch re-sent after a crash between the D1 write and
// the local delete inserts nothing twice. Nothing is lost while D1 is down:
// rows stay in the outbox and the alarm retries, backing off from
// OUTBOX_RETRY_MS to OUTBOX_RETRY_MAX_MS. The object keeps an alarm set while
// rows are pending (inventory/object.ts), so they reach D1 after a restart
// without waiting for the next write. A batch D1 has not answered within
// D1_DEADLINE_MS is a failed flush too (docs/decisions/103-a-slow-database.md).

import {
	D1_DEADLINE_MS,
	OUTBOX_ALARM_DELAY_MS,
	OUTBOX_FLUSH_BATCH,
	OUTBOX_RETRY_MAX_MS,
	OUTBOX_RETRY_MS,
} from "../domain/bounds.ts";
import { DeadlinePassed, withDeadline } from "../shared/deadline.ts";
import { sleep } from "../shared/sleep.ts";
import type { AuditEvent, EventType } from "../shared/types.ts";
import {
	auditEventOfRow,
	auditEventRowText,
	EVENT_ROW_COLUMNS,
	EVENT_ROW_WIDTH,
	rowEventType,
} from "./codec.ts";
import { MAX_SQL_PARAMS, multiRowSql } from "./records.ts";

/**
 * Gathers the events of a burst into one D1 batch instead of one per change. Each D1 batch has a
 * fixed cost (locally Miniflare's D1 is an object in the same workerd process), so fewer, larger
 * batches cost a checkout less CPU than at 25 ms (docs/decisions/053-outbox-debounce-and-row-text.md).
 * D1 trails the object by at most this plus a round trip after a quiet spell; after a crash the
 * alarm (OUTBOX_ALARM_DELAY_MS) copies what is pending.
 */
const FLUSH_DEBOUNCE_MS = 200;
/** Outbox rows (seq, event) per multi-row insert. */
const EVENTS_PER_STATEMENT = Math.floor(MAX_SQL_PARAMS / 2);

const INSERT_EVENTS_HEAD = `INSERT OR IGNORE INTO events (${EVENT_ROW_COLUMNS})`;

/** An outbox row: the event's sequence number and its D1 row's text (codec.ts eventRowText). */
export interface OutboxRow {
	seq: number;
	text: string;
}

/**
 * Extra D1 writes derived from a batch of events, in seq order (e.g. the orders table),
 * run in the same D1 batch after the events themselves are inserted. `types`: the only event
 * types it reads (the outbox parses no other row for it); absent, it is given every event.
 */
export type Projector = ((events: readonly AuditEvent[]) => D1PreparedStatement[]) & {
	readonly types?: ReadonlySet<EventType>;
};

/**
 * The statements of one D1 batch (one transaction) for outbox events in seq order: the events
 * in row-set inserts (`d1RowSetInserts`), then the projections' statements
 * (src/inventory/projections.ts). OR IGNORE works per row, so a re-sent batch still inserts
 * nothing twice.
 */
export function d1Statements(
	db: D1Database,
	events: readonly AuditEvent[],
	project: Projector,
): D1PreparedStatement[] {
	return d1RowStatements(db, events.map(auditEventRowText), events, project);
}

/** `d1Statements` of the events' row texts, and the events among them `project` reads. */
function d1RowStatements(
	db: D1Database,
	texts: readonly string[],
	projected: readonly AuditEvent[],
	project: Projector,
): D1PreparedStatement[] {
	const statements = d1RowSetTexts(db, INSERT_EVENTS_HEAD, EVENT_ROW_WIDTH, texts);
	statements.push(...project(projected));
	return statements;
}

export type D1Value = string | number | null;

/**
 * The JSON text one row-set statement carries at most, in UTF-16 code units: at most three
 * bytes each in UTF-8, so under D1's 2,000,000 bytes for one string. A batch of the outbox
 * (OUTBOX_FLUSH_BATCH events of a few hundred characters each) mostly fits in one; a longer one is
 * split.
 */
export const D1_ROW_SET_MAX_CHARS = 500_000;

/** `SELECT json_extract(value, '$[0]'), … FROM json_each(?)` for `columns` columns, built once per shape. */
const rowSetSelects = new Map<number, string>();
function rowSetSelect(columns: number): string {
	let text = rowSetSelects.get(columns);
	if (text === undefined) {
		const picks = Array.from({ length: columns }, (_, i) => `json_extract(value, '$[${i}]')`);
		text = `SELECT ${picks.join(", ")} FROM json_each(?)`;
		rowSetSelects.set(columns, text);
	}
	return text;
}

/**
 * Inserts of `rows` (`columns` values each) as `head SELECT … FROM json_each(?)`: the rows ride
 * in ONE bound parameter, a JSON array of rows, as long as its text stays under
 * D1_ROW_SET_MAX_CHARS. Every bound parameter of a D1 statement is converted and copied on its
 * own, and D1 allows 100 of them, so a multi-row VALUES insert carried only ten events. json_extract
 * gives back what was put in: a JSON integer an INTEGER, a string TEXT (a detail already JSON
 * text stays that text), null NULL.
 */
export function d1RowSetInserts(
	db: D1Database,
	head: string,
	columns: number,
	rows: readonly (readonly D1Value[])[],
): D1PreparedStatement[] {
	const texts: string[] = [];
	for (const row of rows) {
		if (row.length !== columns) {
			throw new Error(`a row of ${row.length} values for ${columns} columns`);
		}
		texts.push(JSON.stringify(row));
	}
	return d1RowSetTexts(db, head, columns, texts);
}

/** `d1RowSetInserts` of rows already in their JSON text (`columns` values each). */
function d1RowSetTexts(
	db: D1Database,
	head: string,
	columns: number,
	texts: readonly string[],
): D1PreparedStatement[] {
	const statements: D1PreparedStatement[] = [];
	const sql = `${head} ${rowSetSelect(columns)}`;
	let from = 0;
	let chars = 0;
	const send = (to: number) => {
		if (to === from) return;
		statements.push(db.prepare(sql).bind(`[${texts.slice(from, to).join(",")}]`));
		from = to;
		chars = 0;
	};
	for (let i = 0; i < texts.length; i++) {
		const length = (texts[i] as string).length + 1;
		if (chars + length > D1_ROW_SET_MAX_CHARS) send(i);
		chars += length;
	}
	send(texts.length);
	return statements;
}

/** The wait before the next attempt after `failures` failed flushes in a row. */
export function retryDelayMs(failures: number): number {
	return Math.min(OUTBOX_RETRY_MS * 2 ** Math.max(0, failures - 1), OUTBOX_RETRY_MAX_MS);
}

export class Outbox {
	private timer: ReturnType<typeof setTimeout> | null = null;
	private running: Promise<boolean> | null = null;
	/** Failed flushes in a row, and when the next attempt is due (null: D1 answered last time). */
	private failures = 0;
	private retryAtMs: number | null = null;
	/**
	 * A batch that passed its deadline and has not answered since. No other batch is sent while
	 * it may still land: D1 then applies the batches in seq order, each at most twice in a row (the
	 * retry re-sends its rows, as after a crash between D1's commit and the local delete), so a
	 * late batch never lands after a newer one (a rename or a reset's projection undone).
	 */
	private unanswered: Promise<void> | null = null;
	/** The batched flush the readers of one debounce share (`copied`), until it starts. */
	private readersFlush: Promise<boolean> | null = null;

	constructor(
		private readonly sql: SqlStorage,
		private readonly db: D1Database,
		/** A flush failed: the alarm should try again at `retryAtMs`. */
		private readonly onFailure: (error: unknown, retryAtMs: number) => void,
		/** Extra D1 writes derived from each batch of events (e.g. the orders table), same D1 batch. */
		private readonly project: Projector = () => [],
	) {}

	/** Rows in order, as few statements as fit (records.ts multiRowSql). */
	appendAll(rows: readonly OutboxRow[]): void {
		for (let at = 0; at < rows.length; at += EVENTS_PER_STATEMENT) {
			const chunk = rows.slice(at, at + EVENTS_PER_STATEMENT);
			const params: (string | number)[] = [];
			for (const row of chunk) params.push(row.seq, row.text);
			this.sql.exec(multiRowSql("INSERT INTO outbox (seq, event)", 2, chunk.length), ...params);
		}
	}

	pending(): number {
		return Number(this.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n);
	}

	/** Whether an `inventory.reset` is still here, not yet copied to D1 (object.ts resetUnprojected). */
	holdsReset(): boolean {
		return (
			this.sql
				.exec(
					`SELECT 1 FROM outbox WHERE event LIKE '["inventory.reset",%'
					 OR (event LIKE '{%' AND json_extract(event, '$.type') = 'inventory.reset') LIMIT 1`,
				)
				.toArray().length > 0
		);
	}

	/**
	 * When the alarm should next try to copy pending rows: the backoff's retry
	 * time while D1 fails, else OUTBOX_ALARM_DELAY_MS from now (a safety net
	 * behind the debounce timer, which dies with the process).
	 */
	nextAttemptMs(nowMs: number): number {
		return this.retryAtMs === null
			? nowMs + OUTBOX_ALARM_DELAY_MS
			: Math.max(this.retryAtMs, nowMs);
	}

	/** Flush soon, coalescing with other changes of the same burst. */
	schedule(): void {
		if (this.timer !== null) return;
		// While D1 fails, only the alarm retries (on its backoff): a burst of writes does not hammer D1.
		if (this.retryAtMs !== null && Date.now() < this.retryAtMs) return;
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

	/**
	 * Resolves true once every row pending now is in D1, for a public read (the room's trail,
	 * docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md): at once when none is, with no D1 call;
	 * else at a flush FLUSH_DEBOUNCE_MS on, which every reader that asks before it starts shares. So
	 * readers never force a copy at their own pace: however many ask, they add at most one flush per
	 * debounce to the object's own (decision 053).
	 */
	copied(): Promise<boolean> {
		if (this.running === null && this.pending() === 0) return Promise.resolve(true);
		this.readersFlush ??= sleep(FLUSH_DEBOUNCE_MS).then(() => {
			// A reader from now on may have rows this flush has already passed: it waits for the next.
			this.readersFlush = null;
			return this.flush();
		});
		return this.readersFlush;
	}

	/**
	 * One D1 batch of the rows up to `lastSeq`, answered within D1_DEADLINE_MS or failed. A batch
	 * that passes it may still land: until it answers no other is sent (`unanswered`), and if it
	 * lands its rows are deleted then, as the flush would have.
	 */
	private async send(statements: D1PreparedStatement[], lastSeq: number): Promise<void> {
		if (this.unanswered !== null) {
			throw new Error("D1 has not answered the previous batch yet");
		}
		const sent = this.db.batch(statements);
		try {
			await withDeadline(sent, D1_DEADLINE_MS);
		} catch (error) {
			if (error instanceof DeadlinePassed) {
				this.unanswered = sent
					.then(
						() => {
							this.sql.exec("DELETE FROM outbox WHERE seq <= ?", lastSeq);
						},
						() => undefined,
					)
					.finally(() => {
						this.unanswered = null;
					});
			}
			throw error;
		}
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
				if (last === undefined) {
					this.failures = 0;
					this.retryAtMs = null;
					return true;
				}
				const texts: string[] = [];
				const projected: AuditEvent[] = [];
				const wanted = this.project.types;
				for (const { event: text } of rows) {
					// A row written by a release that kept the event object itself (`{…}`).
					if (text.startsWith("{")) {
						const event = JSON.parse(text) as AuditEvent;
						texts.push(auditEventRowText(event));
						if (wanted === undefined || wanted.has(event.type)) projected.push(event);
						continue;
					}
					texts.push(text);
					if (wanted === undefined || wanted.has(rowEventType(text))) {
						projected.push(auditEventOfRow(text));
					}
				}
				await this.send(d1RowStatements(this.db, texts, projected, this.project), last.seq);
				this.sql.exec("DELETE FROM outbox WHERE seq <= ?", last.seq);
			}
		} catch (error) {
			this.failures += 1;
			this.retryAtMs = Date.now() + retryDelayMs(this.failures);
			this.onFailure(error, this.retryAtMs);
			return false;
		}
	}
}
