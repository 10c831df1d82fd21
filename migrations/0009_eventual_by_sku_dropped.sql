-- eventual_allocations_by_sku (0002) is a prefix of eventual_allocations_by_session (0008): every
-- query by SKU alone (eventual mode's stats, the reset's delete) is served by the newer index, so
-- the older one only cost each allocation's insert a second index entry (review 25's R25-5;
-- docs/decisions/149-the-eventual-read-and-a-refused-renewal.md).
DROP INDEX IF EXISTS eventual_allocations_by_sku;
