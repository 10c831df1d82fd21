// The "prior read" bot signal (docs/rate-limits.md, "Tiers and bot signals"), kept past the
// object's sleep. The reserve guard (ratelimit/reserve-guard.ts) holds it in memory, which
// workerd drops whenever it evicts an idle object (about 10 s locally, a hibernating feed
// socket or not): a buyer who read the product and then waited for the start was judged
// "new" and reported "unread" (docs/decisions/095-a-read-that-survives-the-sleep.md).
//
// A read writes nothing: reads and rejections need no commit of their own
// (docs/hot-path/how-it-works.md). The read is written with the session's hold or ticket instead, in
// the group commit that writes them anyway (one row per session, once): the sessions the
// fairness figures count after a restart are exactly those with units or a ticket, and their
// read then comes from these rows. An attempt of a session the guard no longer tracks is
// recalled from the same rows, one statement per group, so its tier and the figures agree.
// Whether a read is stored is known here only (StoredReads): the guard knows who read, this
// file which of those reads are in the table.

import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import { MAX_SQL_PARAMS, multiRowSql } from "./records.ts";

/** Schema (inventory/schema.ts migration 11): one row per session whose read is kept. */
export const READERS_SCHEMA = [
	`CREATE TABLE readers (
		session_id TEXT PRIMARY KEY
	) WITHOUT ROWID`,
];

const RECALL_SQL =
	"SELECT session_id FROM readers WHERE session_id IN (SELECT value FROM json_each(?))";
const STORE_HEAD = "INSERT INTO readers (session_id)";
const STORE_TAIL = "ON CONFLICT (session_id) DO NOTHING";

/**
 * Sessions among `sessionIds` the guard does not track (a restart, or the guard's bound, forgot
 * them): recalled from the stored reads in one statement; none unknown, no statement. The reads
 * found are known to be stored from then on (`reads`), so they are not written again.
 */
export function recallReaders(
	sql: SqlStorage,
	guard: ReserveGuard,
	reads: StoredReads,
	sessionIds: Iterable<string>,
): void {
	const unknown = new Set<string>();
	for (const id of sessionIds) if (!guard.tracks(id)) unknown.add(id);
	if (unknown.size === 0) return;
	const stored = storedAmong(sql, [...unknown], new Set());
	for (const id of unknown) guard.recall(id, stored.has(id));
	reads.added(stored);
}

/** `into`, with those of `sessionIds` whose read is stored added: one statement. */
function storedAmong(
	sql: SqlStorage,
	sessionIds: readonly string[],
	into: Set<string>,
): Set<string> {
	for (const row of sql.exec<{ session_id: string }>(RECALL_SQL, JSON.stringify(sessionIds))) {
		into.add(row.session_id);
	}
	return into;
}

/**
 * Those of `sessionIds` that read the product: the guard's word, else the stored rows (one
 * statement for the sessions the guard does not know read). A split SKU's coordinator tells the
 * session's shard with its admission or its answer (room-shards.ts), since the read is stored
 * here with the ticket while the shard judges the session's attempts.
 */
export function readersAmong(
	sql: SqlStorage,
	guard: ReserveGuard,
	sessionIds: readonly string[],
): Set<string> {
	const found = new Set<string>();
	const ask: string[] = [];
	for (const id of sessionIds) {
		if (guard.hasRead(id)) found.add(id);
		else ask.push(id);
	}
	return ask.length === 0 ? found : storedAmong(sql, ask, found);
}

/**
 * Writes the read of those of `sessionIds` that read the product (the guard's word) and whose
 * read is not known to be stored (`reads`), and returns them. Called inside a group commit that
 * writes their holds or tickets: the rows ride with it. The caller tells `reads` (added) once
 * the commit is made, so a rolled-back batch leaves them to be stored again. A read stored but
 * not known here (after a load, before the set is read whole) is written again: the statement
 * keeps the row as it is.
 */
export function storeReaders(
	sql: SqlStorage,
	guard: ReserveGuard,
	reads: StoredReads,
	sessionIds: Iterable<string>,
): string[] {
	const due = new Set<string>();
	for (const id of sessionIds) if (guard.hasRead(id) && !reads.has(id)) due.add(id);
	const ids = [...due];
	for (let at = 0; at < ids.length; at += MAX_SQL_PARAMS) {
		const chunk = ids.slice(at, at + MAX_SQL_PARAMS);
		sql.exec(multiRowSql(STORE_HEAD, 1, chunk.length, STORE_TAIL), ...chunk);
	}
	return ids;
}

const FORGET_SQL =
	"DELETE FROM readers WHERE session_id IN (SELECT value FROM json_each(?)) RETURNING session_id";

/**
 * The session's ended holds were deleted, or its ended ticket forgotten: of `sessionIds`, the
 * reads of those `stillAsks` says have nothing left here (no unit held or bought, no ticket) are
 * forgotten, in the same transaction, so the rows stay bounded by the holds and tickets they
 * ride with. One statement, none when every session still asks. The guard stores such a read
 * again with the session's next hold or ticket.
 */
export function forgetReadersOf(
	sql: SqlStorage,
	reads: StoredReads,
	sessionIds: Iterable<string>,
	stillAsks: (sessionId: string) => boolean,
): void {
	const gone: string[] = [];
	for (const id of sessionIds) if (!stillAsks(id)) gone.push(id);
	if (gone.length === 0) return;
	for (const row of sql.exec<{ session_id: string }>(FORGET_SQL, JSON.stringify(gone))) {
		reads.removed(row.session_id);
	}
}

/**
 * After a reset (which keeps only paid holds and clears the room): the reads of sessions
 * without a hold left are forgotten, so the rows stay bounded by the sessions a drop
 * wrote holds or tickets for. The guard's memory keeps the reads it saw; they are stored
 * again with the session's next hold or ticket.
 */
export function forgetReadersAfterReset(sql: SqlStorage, reads: StoredReads): void {
	sql.exec("DELETE FROM readers WHERE session_id NOT IN (SELECT session_id FROM holds)");
	reads.dropped();
}

/**
 * The stored reads in memory: the one word on which reads are in the table. For the fairness
 * figures: a stats read (the console polls it every second) looks up each ticket holder here
 * instead of in the table, which cost a probe of both indexes per ticket holder on every read
 * (docs/decisions/102-stored-reads-on-shards-and-their-cost.md); for the writes: a read known
 * here is not stored again (storeReaders).
 * Read whole on the first `all()` after the object loaded (one pass over the table's keys,
 * bounded by the holds and tickets the rows ride with); until then it holds the reads the
 * object stored or recalled since, a part of the table — the reserve path never reads it whole.
 * Kept in step with every write of this file; a rolled-back batch (the object reloads) or a
 * reset drops it, and it is read whole again on the next `all()`.
 */
export class StoredReads {
	/** Always rows of the table; every row once `whole`. */
	private ids = new Set<string>();
	private whole = false;

	constructor(private readonly sql: SqlStorage) {}

	/** The sessions whose read is stored. */
	all(): ReadonlySet<string> {
		if (!this.whole) {
			for (const row of this.sql.exec<{ session_id: string }>("SELECT session_id FROM readers"))
				this.ids.add(row.session_id);
			this.whole = true;
		}
		return this.ids;
	}

	/** The session's read is known to be stored (false before the set is read whole: maybe not). */
	has(sessionId: string): boolean {
		return this.ids.has(sessionId);
	}

	/** Reads stored by a batch that committed, or found in the table (recallReaders). */
	added(sessionIds: Iterable<string>): void {
		for (const id of sessionIds) this.ids.add(id);
	}

	removed(sessionId: string): void {
		this.ids.delete(sessionId);
	}

	/** Storage may differ from memory (a rollback, a reset): read whole again on the next use. */
	dropped(): void {
		// A new set: one `all()` handed out keeps what it said.
		this.ids = new Set();
		this.whole = false;
	}
}
