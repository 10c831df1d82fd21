-- GET /api/products lists the newest listed products first, a page at a time, its cursor
-- the last row's (created_at, sku) (src/worker/routes/products.ts,
-- docs/decisions/085-catalogue-pages-and-contract-leftovers.md): this index serves each page
-- without sorting the whole catalogue.
CREATE INDEX products_listed_newest ON products (listed, created_at, sku);
