-- Eventual mode (seed 003, "Race Condition Demo"): the naive D1 bookkeeping
-- that oversells on purpose. Its own tables: it never touches a SKU object's
-- stock, so safe mode's numbers stay exact beside it.

-- One row per SKU, initialised from the product's totalStock on first use and on reset.
CREATE TABLE eventual_stock (
	sku TEXT PRIMARY KEY,
	total INTEGER NOT NULL,
	remaining INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);

-- Every allocation eventual mode granted; SUM(quantity) - total is the oversell.
CREATE TABLE eventual_allocations (
	id TEXT PRIMARY KEY,
	sku TEXT NOT NULL,
	session_id TEXT NOT NULL,
	quantity INTEGER NOT NULL,
	idem_key TEXT,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX eventual_allocations_by_sku ON eventual_allocations (sku);
-- Idempotency-Key replay (api.md) holds in eventual mode too, per SKU like safe mode.
CREATE UNIQUE INDEX eventual_allocations_by_key ON eventual_allocations (sku, session_id, idem_key) WHERE idem_key IS NOT NULL;
