-- The waiting room's public trail (GET /api/products/:sku/queue/events, src/worker/routes/queue-trail.ts):
-- a SKU's `queue.*` events in order, without walking its reservation events. Partial: the
-- room's events are few beside a drop's holds, so the index stays small and costs the other
-- events' inserts nothing.
CREATE INDEX events_queue_by_sku_seq ON events (sku, seq) WHERE type GLOB 'queue.*';
