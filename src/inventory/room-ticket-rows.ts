// The waiting room's ticket rows (`room_tickets`, migrations 3 and 12 of inventory/schema.ts):
// a ticket as its row holds it and back. RoomKeeper (inventory/waiting-room.ts) writes them in
// its caller's transaction and reads them all when the object loads.

import type { QueueTicket } from "../domain/waiting-room.ts";

type TicketRow = {
	ticket_id: string;
	session_id: string;
	seq: number;
	joined_at: number;
	state: string;
	rank: number | null;
	admitted_at: number | null;
	admitted_until: number | null;
	used_at: number | null;
	client_key: string | null;
	unread: number;
};

/** Every ticket row of the room, as tickets. */
export function readTickets(sql: SqlStorage): QueueTicket[] {
	return sql.exec<TicketRow>("SELECT * FROM room_tickets").toArray().map(ticketFromRow);
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

function ticketFromRow(r: TicketRow): QueueTicket {
	return {
		ticketId: r.ticket_id,
		sessionId: r.session_id,
		seq: r.seq,
		joinedAtMs: r.joined_at,
		state: r.state as QueueTicket["state"],
		rank: r.rank,
		admittedAtMs: r.admitted_at,
		admittedUntilMs: r.admitted_until,
		usedAtMs: r.used_at,
		clientKey: r.client_key,
		unread: r.unread === 1,
	};
}
