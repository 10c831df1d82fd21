// The waiting room's tables in the SKU object's SQLite (inventory/schema.ts runs them as
// migrations; inventory/waiting-room.ts reads and writes them).

/** Migration 4 of the object's SQLite (inventory/schema.ts): append-only from here on. */
export const ROOM_SCHEMA = [
	`CREATE TABLE IF NOT EXISTS room (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		snapshot TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS room_tickets (
		ticket_id TEXT PRIMARY KEY,
		session_id TEXT NOT NULL UNIQUE,
		seq INTEGER NOT NULL,
		joined_at INTEGER NOT NULL,
		state TEXT NOT NULL,
		rank INTEGER,
		admitted_at INTEGER,
		admitted_until INTEGER,
		used_at INTEGER
	)`,
];

/**
 * Migration 12 (inventory/schema.ts): the address a ticket counts against (the session's ipHash,
 * for the per-address cap) and whether its session had read the product at the join (its share
 * of the room and the length of its admission), so both survive a restart
 * (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
 */
export const ROOM_TICKET_FROM = [
	"ALTER TABLE room_tickets ADD COLUMN client_key TEXT",
	"ALTER TABLE room_tickets ADD COLUMN unread INTEGER NOT NULL DEFAULT 0",
];
