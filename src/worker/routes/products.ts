import { Hono } from "hono";
import { MAX_PRODUCTS_LISTED } from "../../domain/bounds.ts";
import { liveQueryProblem } from "../../inventory/live.ts";
import type { Product } from "../../shared/types.ts";
import { rememberSku, requireKnownSku } from "../catalogue.ts";
import { deferTo } from "../cost/meta.ts";
import {
	freshSnapshot,
	markReader,
	refreshAhead,
	refreshDue,
	rememberSnapshot,
} from "../edge-snapshot.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { readerSessionId } from "../middleware/ratelimit.ts";

export const products = new Hono<AppEnv>();

/** A SKU's live feed is full (inventory/live.ts): poll availability, or try the feed again this soon. */
const LIVE_FULL_RETRY_AFTER_SECONDS = 5;

// The catalogue is D1's projection of the SKU objects (inventory/projections.ts); each
// product is then read from its object, the truth.
products.get("/", async (c) => {
	const { results } = await c.env.DB.prepare(
		"SELECT sku FROM products WHERE listed = 1 ORDER BY created_at, sku LIMIT ?",
	)
		.bind(MAX_PRODUCTS_LISTED)
		.all<{ sku: string }>();
	for (const r of results) rememberSku(r.sku);
	const found: (Product | null)[] = await Promise.all(
		results.map(
			async (r): Promise<Product | null> =>
				(await inventory(c.env, r.sku).product()) as Product | null,
		),
	);
	return ok(c, { products: found.filter((p): p is Product => p !== null) });
});

products.get("/:sku", async (c) => {
	const sku = c.req.param("sku");
	await requireKnownSku(c, sku);
	const product = await inventory(c.env, sku).product(await readerSessionId(c));
	if (product === null)
		return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
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
	return ok(c, snapshot.availability);
});

products.get("/:sku/live", async (c) => {
	const sku = c.req.param("sku");
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
		return fail(c, "invalid_request", "This endpoint is a WebSocket: send Upgrade: websocket.");
	}
	// Checked before the upgrade: an unknown `with` would open a feed without what it asked for.
	const problem = liveQueryProblem(new URL(c.req.url).searchParams);
	if (problem !== null) return fail(c, "invalid_request", problem);
	await requireKnownSku(c, sku);
	const response = await inventory(c.env, sku).fetch(c.req.raw);
	if (response.status === 404)
		return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	if (response.status === 503)
		return fail(c, "unavailable", "Too many live viewers; poll availability instead.", {
			"Retry-After": String(LIVE_FULL_RETRY_AFTER_SECONDS),
		});
	return response;
});
