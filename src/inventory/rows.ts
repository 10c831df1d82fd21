// Rows read and written by a SQLite-backed Durable Object, counted from the
// cursors themselves (SqlStorageCursor.rowsRead / rowsWritten, the numbers
// Cloudflare bills), so the cost ledger reports measured rows, not a guess.
//
// Cheap enough for the hot path: one object allocation per `wrap`, and per
// statement two additions. A cursor's counts are final once it is consumed,
// and every caller consumes a cursor before issuing the next statement, so
// the previous cursor is folded in when the next one starts (or on `take`).

/** Rows one SQLite-backed object call touched, as its cursors reported them. */
export interface SqlRows {
	read: number;
	written: number;
}

export class RowMeter {
	private read = 0;
	private written = 0;
	private last: SqlStorageCursor<Record<string, SqlStorageValue>> | null = null;

	/** A SqlStorage that counts every statement run through it. */
	wrap(sql: SqlStorage): SqlStorage {
		const exec = <T extends Record<string, SqlStorageValue>>(
			query: string,
			...bindings: unknown[]
		) => {
			this.fold();
			const cursor = sql.exec<T>(query, ...bindings);
			this.last = cursor;
			return cursor;
		};
		return {
			exec,
			get databaseSize() {
				return sql.databaseSize;
			},
			Cursor: sql.Cursor,
			Statement: sql.Statement,
		} as SqlStorage;
	}

	/** Rows since the last `take` (call it before a measured turn to start from zero). */
	take(): SqlRows {
		this.fold();
		const rows = { read: this.read, written: this.written };
		this.read = 0;
		this.written = 0;
		return rows;
	}

	private fold(): void {
		if (this.last === null) return;
		this.read += this.last.rowsRead;
		this.written += this.last.rowsWritten;
		this.last = null;
	}
}
