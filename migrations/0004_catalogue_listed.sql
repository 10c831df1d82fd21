-- The catalogue is a projection of the SKU objects (src/inventory/projections.ts)
-- and the edge's list of known SKUs (src/worker/catalogue.ts): every product has
-- a row, and `listed` says whether GET /api/products shows it (0: the demo's
-- per-session sandboxes, which only their owner's page shows).
ALTER TABLE products ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;
