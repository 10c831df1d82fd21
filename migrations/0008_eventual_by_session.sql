-- A session's eventual allocations on a SKU (worker/eventual.ts): eventual mode's purchase limit
-- sums them, and GET …/holds/mine?mode=eventual lists the newest of them and sums them. Before
-- this index both found them through eventual_allocations_by_sku, reading every allocation of
-- the SKU (a whole stampede's) and sorting the session's for the list. Each entry ends with the
-- row id, so (created_at, rowid) is a total order read from the index with no sort
-- (docs/decisions/149-the-eventual-read-and-a-refused-renewal.md).
CREATE INDEX eventual_allocations_by_session ON eventual_allocations (sku, session_id, created_at);
