// Tickets written straight into a SKU object's room rows (the columns of a real row), for tests
// that need a room of a size no test can join its way to. Run inside runInDurableObject; the
// object must be evicted afterwards so that it reloads the room from these rows.

/** Row i (1-based) is ticket `${ticketPrefix}${i}` of session `${sessionPrefix}${i}`, seq seqOffset + i. */
export interface TicketRows {
	count: number;
	ticketPrefix: string;
	sessionPrefix: string;
	seqOffset: number;
	joinedAt: number;
	/** Absent: waiting, not ranked. Present: expired, rank rankOffset + i, its turn long over. */
	ended?: { rankOffset: number; admittedAt: number; admittedUntil: number };
	/** Each row's session also has a stored read (the readers table). */
	withReads?: boolean;
	/** Each ticket was taken by a session that had not read the product (the row's `unread`). */
	unread?: boolean;
}

export function insertTicketRows(sql: SqlStorage, rows: TicketRows): void {
	const { count, ticketPrefix, sessionPrefix, seqOffset, joinedAt, ended } = rows;
	sql.exec(
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO room_tickets
		(ticket_id, session_id, seq, joined_at, state, rank, admitted_at, admitted_until, used_at, unread)
		SELECT ? || i, ? || i, ? + i, ?, ?, ? + i, ?, ?, NULL, ? FROM n`,
		count,
		ticketPrefix,
		sessionPrefix,
		seqOffset,
		joinedAt,
		ended ? "expired" : "waiting",
		ended ? ended.rankOffset : null,
		ended ? ended.admittedAt : null,
		ended ? ended.admittedUntil : null,
		rows.unread === true ? 1 : 0,
	);
	if (rows.withReads) {
		sql.exec(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO readers (session_id) SELECT ? || i FROM n`,
			count,
			sessionPrefix,
		);
	}
}

/** Sets the room's next arrival number, as the rows written straight in would have left it. */
export function setNextSeq(sql: SqlStorage, nextSeq: number): void {
	const snapshot = JSON.parse(
		String(sql.exec("SELECT snapshot FROM room WHERE id = 1").one().snapshot),
	) as { nextSeq: number };
	snapshot.nextSeq = nextSeq;
	sql.exec("UPDATE room SET snapshot = ? WHERE id = 1", JSON.stringify(snapshot));
}
