// The SKU object's own SQLite schema, as numbered migrations
// (storage/do-migrations.ts). Applied on `create` only, so that a request for an
// unknown SKU never writes anything (an attacker cannot make us store junk by
// asking for random SKUs); an existing SKU's database is brought up to date when
// the object loads it. Append new migrations; never edit one that has shipped.

import { DEFAULT_REPLAY_WINDOWS, replayUntilMs } from "../domain/idempotency.ts";
import type { Migration } from "../storage/do-migrations.ts";
import { READERS_SCHEMA } from "./readers.ts";
import type { ReserveResult } from "./rpc.ts";
import { ROOM_SCHEMA, ROOM_TICKET_FROM } from "./waiting-room-schema.ts";

/**
 * Migration 1: the schema as it stood before versions were recorded. Every
 * statement is IF NOT EXISTS, so it also adopts a database created by that
 * code (any earlier release only added tables), whichever tables it had.
 */
const INITIAL_SCHEMA = [
	`CREATE TABLE IF NOT EXISTS state (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		snapshot TEXT NOT NULL,
		seq INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS holds (
		id TEXT PRIMARY KEY,
		session_id TEXT NOT NULL,
		quantity INTEGER NOT NULL,
		status TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		idem_key TEXT,
		order_id TEXT,
		payment_deadline INTEGER
	)`,
	`CREATE INDEX IF NOT EXISTS holds_by_status ON holds (status)`,
	`CREATE INDEX IF NOT EXISTS holds_by_session ON holds (session_id)`,
	// Idempotency-Key replay: the first outcome, answered again verbatim (docs/api.md).
	`CREATE TABLE IF NOT EXISTS idempotency (
		session_id TEXT NOT NULL,
		key TEXT NOT NULL,
		outcome TEXT NOT NULL,
		PRIMARY KEY (session_id, key)
	) WITHOUT ROWID`,
	// Transactional outbox: written with every change, copied to D1 by the flusher.
	`CREATE TABLE IF NOT EXISTS outbox (
		seq INTEGER PRIMARY KEY,
		event TEXT NOT NULL
	)`,
	// Checkout saga (domain/checkout-saga.ts, driven by inventory/checkout-driver.ts):
	// one row per reservation that began a checkout; the step is written before every
	// provider call so that the alarm can resume after a crash. A row in step "paid"
	// is the order.
	`CREATE TABLE IF NOT EXISTS checkouts (
		reservation_id TEXT PRIMARY KEY,
		order_id TEXT NOT NULL UNIQUE,
		session_id TEXT NOT NULL,
		client_key TEXT NOT NULL,
		payment_method TEXT NOT NULL,
		quantity INTEGER NOT NULL,
		amount_cents INTEGER NOT NULL,
		currency TEXT NOT NULL,
		step TEXT NOT NULL,
		charge_attempts INTEGER NOT NULL,
		compensation_attempts INTEGER NOT NULL,
		payment_id TEXT,
		deadline INTEGER NOT NULL,
		resume_at INTEGER,
		outcome TEXT,
		created_at INTEGER NOT NULL,
		paid_at INTEGER
	)`,
	`CREATE INDEX IF NOT EXISTS checkouts_by_key ON checkouts (session_id, client_key)`,
	// Failed payments after which the hold was kept (inventory/checkout-store.ts retire): one
	// row per client key, so a retry of that key replays its 402, and their count per
	// reservation bounds how many a hold tolerates and names the next provider key.
	`CREATE TABLE IF NOT EXISTS checkout_failures (
		session_id TEXT NOT NULL,
		client_key TEXT NOT NULL,
		reservation_id TEXT NOT NULL,
		payment_method TEXT NOT NULL,
		outcome TEXT NOT NULL,
		failed_at INTEGER NOT NULL,
		PRIMARY KEY (session_id, client_key)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS checkout_failures_by_reservation ON checkout_failures (reservation_id)`,
	// The simulated payment provider's own records (payment/sim-store.ts SyncStore):
	// kept here so a restarted object replays earlier captures instead of charging again.
	`CREATE TABLE IF NOT EXISTS payment_sim (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
];

/**
 * Migration 2: Idempotency-Key records end (domain/idempotency.ts). Records
 * kept from before get the window a new one would: a hold's from its expiresAt,
 * a rejection's from now, as if it had just been decided.
 */
function idempotencyExpiry(sql: SqlStorage, { nowMs }: { nowMs: number }): void {
	sql.exec("ALTER TABLE idempotency ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0");
	const rows = sql
		.exec<{ session_id: string; key: string; outcome: string }>(
			"SELECT session_id, key, outcome FROM idempotency",
		)
		.toArray();
	for (const row of rows) {
		const result = JSON.parse(row.outcome) as ReserveResult;
		const holdExpiresAtMs = result.ok ? Date.parse(result.reservation.expiresAt) : null;
		sql.exec(
			"UPDATE idempotency SET expires_at = ? WHERE session_id = ? AND key = ?",
			replayUntilMs(holdExpiresAtMs, nowMs, DEFAULT_REPLAY_WINDOWS),
			row.session_id,
			row.key,
		);
	}
	sql.exec("CREATE INDEX idempotency_by_expiry ON idempotency (expires_at)");
}

/**
 * Migration 5: every hold written cost four B-tree inserts (the rowid table, the
 * id's unique index, holds_by_status, holds_by_session), on the reserve path of
 * every success; the one by session landed at a random place in a large tree.
 * Now two and a half: the table (appended in rowid order), the id's index, and a
 * partial index of the active holds only (appended too, and small: a hold leaves
 * it when it expires, is cancelled or paid). Only the active holds are ever looked
 * up by status (the object's load, records.ts loadState); the per-session sums
 * (loadState, fairness.ts) and the stats' sums by status read every hold anyway,
 * on a load or a stats read, never on a reserve, and a scan of the table serves
 * them. Keying the table by id (WITHOUT ROWID) was measured too and costs as much
 * as the four inserts did: the ids are random, so every row lands at a random leaf
 * (docs/decisions/034-hold-rows-and-reserve-cpu.md). A new query that filters holds by
 * session, or by a status other than the active ones, needs an index of its own.
 */
const HOLDS_ACTIVE_INDEX = [
	"DROP INDEX IF EXISTS holds_by_status",
	"DROP INDEX IF EXISTS holds_by_session",
	// The text of the WHERE must match loadState's query for SQLite to use the index.
	`CREATE INDEX holds_active ON holds (status) WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')`,
];

/**
 * Migration 6: the alarm and the object's load read the unsettled sagas
 * (checkout-store.ts UNSETTLED_SQL). Without an index that read scanned every saga row the
 * SKU ever wrote, paid orders included, on every alarm. The index is partial: a saga enters
 * it while it has a resume time and leaves it when it settles, so a checkout settled within
 * its turn (decision 037) never writes an entry.
 */
const CHECKOUTS_UNSETTLED_INDEX = [
	// The text of the WHERE must match UNSETTLED_SQL for SQLite to use the index.
	"CREATE INDEX checkouts_unsettled ON checkouts (resume_at) WHERE resume_at IS NOT NULL",
];

/**
 * A shard's recount of first holds after a restart (records.ts heldPage) reads the holds
 * created in the last MAX_ADMIT_SECONDS, a page at a time; without an index that was a scan
 * of every hold the shard ever wrote. Only the shards of a split SKU (index > 0) recount, so
 * only they carry it: a SKU in one object (and a split SKU's coordinator) writes no extra
 * index entry per hold (docs/decisions/020-escrow-shards.md: K = 1 is today's path;
 * docs/decisions/034-hold-rows-and-reserve-cpu.md: a hold's inserts are the reserve's cost).
 * In a shard the key grows with time, so an entry is appended at the end of the tree.
 * Written by migration 7 for the shards that exist, and by a shard's first escrow delivery
 * for those created later (inventory/escrow.ts createShard).
 */
export const HOLDS_BY_CREATED_INDEX =
	"CREATE INDEX IF NOT EXISTS holds_by_created ON holds (created_at)";

/** Migration 7: the index above, in an object that is a shard of a split SKU (its escrow row has no pool). */
function holdsByCreatedInShards(sql: SqlStorage): void {
	const row = sql.exec<{ ledger: string }>("SELECT ledger FROM escrow WHERE id = 1").toArray()[0];
	if (row === undefined) return;
	const ledger = JSON.parse(row.ledger) as { pool?: unknown };
	if (ledger.pool === null || ledger.pool === undefined) sql.exec(HOLDS_BY_CREATED_INDEX);
}

/**
 * Migration 8: a hold keeps the price and currency it was taken at, and its checkout charges
 * them (docs/checkout.md, "Which price a hold pays"). Two columns of the row the reserve
 * writes anyway: no extra write per hold. Adding a nullable column rewrites no row; the
 * active holds (few, found by their partial index) get the product's price as stored now,
 * which is what they would have been charged before. Ended holds keep null: nothing charges
 * them, and their reads leave the price out.
 */
function holdPrices(sql: SqlStorage): void {
	sql.exec("ALTER TABLE holds ADD COLUMN price_cents INTEGER");
	sql.exec("ALTER TABLE holds ADD COLUMN currency TEXT");
	const state = sql.exec<{ snapshot: string }>("SELECT snapshot FROM state WHERE id = 1").toArray();
	const snapshot = state[0]?.snapshot;
	if (snapshot === undefined) return;
	const { product } = JSON.parse(snapshot) as { product: { priceCents: number; currency: string } };
	sql.exec(
		"UPDATE holds SET price_cents = ?, currency = ? WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')",
		product.priceCents,
		product.currency,
	);
}

/**
 * Migration 9: one row per keyed operator reset (inventory/reset-keys.ts): the key, the
 * request's fingerprint, when it was done and the answer to replay. Written in the reset's own
 * transaction; a reset never deletes it; rows older than RESET_KEY_SECONDS go at the next keyed
 * reset, through the index by time.
 */
const RESET_KEYS_SCHEMA = [
	`CREATE TABLE reset_keys (
		key TEXT PRIMARY KEY,
		fingerprint TEXT NOT NULL,
		at_ms INTEGER NOT NULL,
		answer TEXT
	) WITHOUT ROWID`,
	"CREATE INDEX reset_keys_by_time ON reset_keys (at_ms)",
];

/**
 * Migration 10: the holds by status and expiry, every hold in it, in place of holds_active
 * (docs/decisions/088-ended-holds-and-replays.md). Ended holds (EXPIRED, CANCELLED,
 * PAYMENT_FAILED) used to be read by every count of units held and sold (a stats read, each
 * shard's counters for a split SKU's merge), which scanned the table: with `quantity` in the
 * key those counts read only the live and paid entries, and the pruning of ended holds
 * (inventory/ended-holds.ts) finds the oldest ended ones by (status, expires_at) a batch at a
 * time. A reserve still writes one entry besides the row and the id's (as into holds_active:
 * RESERVED sorts last and expires_at grows, so it is appended at the end); a hold that ends
 * moves its entry instead of only deleting it, in the commit that ends it.
 */
const HOLDS_BY_STATUS_INDEX = [
	"DROP INDEX IF EXISTS holds_active",
	"CREATE INDEX holds_by_status_expiry ON holds (status, expires_at, quantity)",
];

export const INVENTORY_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: "initial schema (adopts databases from before versions)",
		up: INITIAL_SCHEMA,
	},
	{ version: 2, name: "idempotency.expires_at and its index", up: idempotencyExpiry },
	{
		version: 3,
		name: "escrow ledger of a SKU split across shards",
		// One row, only in the objects of a split SKU (inventory/escrow-shard.ts); empty in every other.
		up: [
			`CREATE TABLE escrow (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				ledger TEXT NOT NULL
			)`,
		],
	},
	// The waiting room's tables (inventory/waiting-room.ts); empty until a room is enabled.
	{ version: 4, name: "waiting room: room, room_tickets", up: ROOM_SCHEMA },
	{
		version: 5,
		name: "holds: one partial index of the active holds instead of by status and by session",
		up: HOLDS_ACTIVE_INDEX,
	},
	{
		version: 6,
		name: "checkouts: a partial index of the unsettled sagas, read on every alarm",
		up: CHECKOUTS_UNSETTLED_INDEX,
	},
	{
		version: 7,
		name: "holds: an index by creation time in a split SKU's shards, for their paged recount",
		up: holdsByCreatedInShards,
	},
	{
		version: 8,
		name: "holds: the price and currency each hold was taken at",
		up: holdPrices,
	},
	{ version: 9, name: "reset_keys: the operator's keyed resets", up: RESET_KEYS_SCHEMA },
	{
		version: 10,
		name: "holds: by status and expiry (live and paid counted without ended rows; ended ones pruned)",
		up: HOLDS_BY_STATUS_INDEX,
	},
	{
		version: 11,
		name: "readers: a session's read of the product, kept with its hold or ticket",
		up: READERS_SCHEMA,
	},
	{
		version: 12,
		name: "room_tickets: the joining address (its per-address cap) and whether it had read the product",
		up: ROOM_TICKET_FROM,
	},
];

export function hasSchema(sql: SqlStorage): boolean {
	return (
		sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state'").toArray()
			.length > 0
	);
}
