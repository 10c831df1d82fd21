// The waiting room's ticket rows (`room_tickets`, migrations 3 and 12 of inventory/schema.ts):
// a ticket as its row holds it and back. RoomKeeper (inventory/waiting-room.ts) writes them in
// its caller's transaction and reads them all when the object loads.

import type { QueueTicket } from "../domain/waiting-room.ts";

/** The columns a load reads, in the order `ticketFromValues` takes them. */
const TICKET_COLUMNS =
	"ticket_id, session_id, seq, joined_at, state, rank, admitted_at, admitted_until, used_at, client_key, unread";

/**
 * Every ticket row of the room, as tickets. Read as arrays of values (`raw()`), each made a ticket
 * as it comes: a row read as an object keyed by its columns cost workerd two to four times as
 * much, at 50,000 rows most of a load (docs/decisions/151-loading-a-big-room.md).
 */
export function readTickets(sql: SqlStorage): QueueTicket[] {
	const out: QueueTicket[] = [];
	for (const v of sql.exec(`SELECT ${TICKET_COLUMNS} FROM room_tickets`).raw())
		out.push(ticketFromValues(v));
	return out;
}

/** Writes the ticket's row as the ticket stands (a new ticket, or one that changed). */
export function writeTicket(sql: SqlStorage, t: QueueTicket): void {
	sql.exec(
		`INSERT OR REPLACE INTO room_tickets
		(ticket_id, session_id, seq, joined_at, state, rank, admitted_at, admitted_until, used_at,
		client_key, unread)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ticketId,
		t.sessionId,
		t.seq,
		t.joinedAtMs,
		t.state,
		t.rank,
		t.admittedAtMs,
		t.admittedUntilMs,
		t.usedAtMs,
		t.clientKey ?? null,
		t.unread === true ? 1 : 0,
	);
}

/**
 * The tickets' sessions read the product after an unread join (WaitingRoom.readSince): their rows
 * say so, in whatever write the caller is in.
 */
export function writeReadSince(sql: SqlStorage, ticketIds: Iterable<string>): void {
	for (const id of ticketIds)
		sql.exec("UPDATE room_tickets SET unread = 0 WHERE ticket_id = ?", id);
}

function ticketFromValues(v: SqlStorageValue[]): QueueTicket {
	return {
		ticketId: v[0] as string,
		sessionId: v[1] as string,
		seq: v[2] as number,
		joinedAtMs: v[3] as number,
		state: v[4] as QueueTicket["state"],
		rank: v[5] as number | null,
		admittedAtMs: v[6] as number | null,
		admittedUntilMs: v[7] as number | null,
		usedAtMs: v[8] as number | null,
		clientKey: v[9] as string | null,
		unread: v[10] === 1,
	};
}
