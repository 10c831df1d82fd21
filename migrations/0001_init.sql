-- Revenue Guard: the permanent record. Append-only migrations.

-- The audit trail, copied from each SKU object's outbox (id = "<sku>:<seq>",
-- so a re-sent batch inserts nothing twice).
CREATE TABLE events (
	id TEXT PRIMARY KEY,
	sku TEXT NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	at TEXT NOT NULL,
	reservation_id TEXT,
	order_id TEXT,
	quantity INTEGER,
	session_id TEXT,
	detail TEXT
);
CREATE UNIQUE INDEX events_by_sku_seq ON events (sku, seq);

-- The catalogue index for GET /api/products; each SKU's object holds the truth.
CREATE TABLE products (
	sku TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_at TEXT NOT NULL
);
