-- Orders (issue 3, checkout saga): projected from each SKU object's outbox in the
-- same D1 batches as the events (src/inventory/checkout-store.ts). The object
-- holds the truth; this is the permanent record. One order per reservation.
CREATE TABLE orders (
	order_id TEXT PRIMARY KEY,
	sku TEXT NOT NULL,
	reservation_id TEXT NOT NULL UNIQUE,
	session_id TEXT NOT NULL,
	quantity INTEGER NOT NULL,
	amount_cents INTEGER NOT NULL,
	currency TEXT NOT NULL,
	payment_id TEXT,
	status TEXT NOT NULL,
	paid_at TEXT NOT NULL
);
CREATE INDEX orders_by_sku ON orders (sku);

-- The order projection looks up the reservation's payment.succeeded event.
CREATE INDEX events_by_reservation ON events (reservation_id);
