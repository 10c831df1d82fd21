import { Hono } from "hono";
import { z } from "zod";
import { MAX_PRODUCTS_LISTED } from "../../domain/bounds.ts";
import type { Product } from "../../shared/types.ts";
import { rememberSku, requireKnownSku } from "../catalogue.ts";
import { decodeCursor, encodeCursor } from "../catalogue-cursor.ts";
import { deferTo } from "../cost/meta.ts";
import {
	freshSnapshot,
	markReader,
	refreshAhead,
	refreshDue,
	rememberShards,
	rememberSnapshot,
} from "../edge-snapshot.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { readerSessionId } from "../middleware/ratelimit.ts";
import { countParam } from "../query-count.ts";

export const products = new Hono<AppEnv>();

/** The catalogue's query (docs/api.md): `limit` and `after` as the events' are read, digits and a cursor. */
const CatalogueQuery = z.object({
	limit: countParam(MAX_PRODUCTS_LISTED).optional(),
	after: z
		.string()
		.transform((cursor, ctx) => {
			const position = decodeCursor(cursor);
			if (position === null) {
				ctx.addIssue({ code: "custom", message: "must be a cursor from a previous page" });
				return z.NEVER;
			}
			return position;
		})
		.optional(),
});

const CATALOGUE_PAGE = `SELECT sku, created_at FROM products WHERE listed = 1
	ORDER BY created_at DESC, sku DESC LIMIT ?`;
const CATALOGUE_PAGE_AFTER = `SELECT sku, created_at FROM products WHERE listed = 1
	AND (created_at < ?1 OR (created_at = ?1 AND sku < ?2))
	ORDER BY created_at DESC, sku DESC LIMIT ?3`;

// The catalogue is D1's projection of the SKU objects (inventory/projections.ts); each
// product is then read from its object, the truth. Newest first, a page at a time: a
// catalogue past one page still shows the drop created last, and `next` walks the rest
// (docs/decisions/085-catalogue-pages-and-contract-leftovers.md).
products.get("/", async (c) => {
	const query = CatalogueQuery.safeParse(c.req.query());
	if (!query.success) {
		throw new ApiError(
			"invalid_request",
			query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
		);
	}
	const limit = query.data.limit ?? MAX_PRODUCTS_LISTED;
	const after = query.data.after;
	// One row past the page says whether there is a next one.
	const statement =
		after === undefined
			? c.env.DB.prepare(CATALOGUE_PAGE).bind(limit + 1)
			: c.env.DB.prepare(CATALOGUE_PAGE_AFTER).bind(after.createdAt, after.sku, limit + 1);
	const { results } = await statement.all<{ sku: string; created_at: string }>();
	const page = results.slice(0, limit);
	for (const r of page) rememberSku(r.sku);
	const found: (Product | null)[] = await Promise.all(
		page.map(
			async (r): Promise<Product | null> =>
				(await inventory(c.env, r.sku).product()) as Product | null,
		),
	);
	const last = page.at(-1);
	const next =
		results.length > limit && last !== undefined
			? encodeCursor({ createdAt: last.created_at, sku: last.sku })
			: null;
	return ok(c, { products: found.filter((p): p is Product => p !== null), next });
});

products.get("/:sku", async (c) => {
	const sku = c.req.param("sku");
	await requireKnownSku(c, sku);
	const reader = await readerSessionId(c);
	const product = await inventory(c.env, sku).product(reader);
	if (product === null)
		return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	// The edge remembers the read too and sends it with the session's attempts and join
	// (routes/reservations.ts, routes/queue.ts): the object forgets it when it sleeps.
	if (reader !== undefined) markReader(sku, reader);
	// The shard count, fixed at the create: a page's next read of the session's holds (and its
	// reserve) then goes to the session's shard at once, not through shard 0 (decision 141).
	rememberShards(sku, product.shards);
	return ok(c, product);
});

products.get("/:sku/availability", async (c) => {
	const sku = c.req.param("sku");
	const reader = await readerSessionId(c);
	const now = Date.now();
	// The edge's copy while it is fresh (worker/edge-snapshot.ts); `asOf` says when it was taken.
	// A copy exists only for a SKU its object answered, so the catalogue is asked only without one.
	const cached = freshSnapshot(sku, now);
	if (cached !== null) {
		if (reader !== undefined) markReader(sku, reader);
		if (refreshDue(sku, now))
			refreshAhead(sku, now, () => inventory(c.env, sku).snapshot(), deferTo(c));
		return ok(c, cached.availability);
	}
	await requireKnownSku(c, sku);
	// The copy counts from the call's send, not its arrival: the object took it in between.
	const sentAtMs = Date.now();
	const snapshot = await inventory(c.env, sku).snapshot(reader);
	if (snapshot === null)
		return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	rememberSnapshot(sku, snapshot, sentAtMs);
	// As on the edge copy's path: the object's memory of the read goes when it sleeps.
	if (reader !== undefined) markReader(sku, reader);
	return ok(c, snapshot.availability);
});
