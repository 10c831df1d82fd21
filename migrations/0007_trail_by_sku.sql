-- The audit trail of a split SKU merges its shards' events, stored under `<sku>` and
-- `<sku>#<i>` (src/domain/escrow.ts), in the order D1 received them (the row id):
-- src/worker/trail-query.ts. `trail_sku` is the SKU an event belongs to, shard or not
-- (SKUs never contain `#`: docs/api.md), and its index keeps each SKU's rows in row-id
-- order, so a page reads only its page instead of every event of the SKU sorted
-- (docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md).
-- VIRTUAL: computed on read, nothing more stored per row than the index entry.
ALTER TABLE events ADD COLUMN trail_sku TEXT GENERATED ALWAYS AS (
	CASE WHEN instr(sku, '#') > 0 THEN substr(sku, 1, instr(sku, '#') - 1) ELSE sku END
) VIRTUAL;
CREATE INDEX events_by_trail ON events (trail_sku);
