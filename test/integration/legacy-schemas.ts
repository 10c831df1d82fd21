// The Durable Object schemas as the code wrote them before schema versions were
// recorded (storage/do-migrations.ts), copied verbatim from that release, so the
// tests can build a database "from the previous version" and load it with this
// code. Never update these to match today's schema: they are the past.

/** src/inventory/schema.ts before versions: every statement run on each load. */
export const LEGACY_INVENTORY_SCHEMA = [
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
	// Idempotency-Key replay: the first outcome, answered again verbatim (api.md).
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
	// Checkout saga (inventory/checkout.ts): one row per reservation that began a
	// checkout; the step is written before every provider call so that the alarm
	// can resume after a crash. A row in step "paid" is the order.
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
	// Failed payments after which the hold was kept (inventory/checkout-settle.ts): one
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
	// The simulated payment provider's own records (payment/simulated.ts SyncStore):
	// kept here so a restarted object replays earlier captures instead of charging again.
	`CREATE TABLE IF NOT EXISTS payment_sim (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
];

/** src/ratelimit/limiter-object.ts (then src/limits/object.ts) before versions. */
export const LEGACY_LIMITER_SCHEMA = [
	"CREATE TABLE IF NOT EXISTS hits (at_ms REAL NOT NULL)",
	"CREATE INDEX IF NOT EXISTS hits_at ON hits (at_ms)",
	"CREATE TABLE IF NOT EXISTS totals (reason TEXT PRIMARY KEY, n INTEGER NOT NULL)",
];
