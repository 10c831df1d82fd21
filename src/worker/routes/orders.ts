// GET /api/orders/:id (owner; docs/api.md). Order ids carry their SKU (worker/ids.ts),
// so the read goes straight to the one object that holds the order.

import { Hono } from "hono";
import { requireKnownSku } from "../catalogue.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { skuOfId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";

const NOT_FOUND = "No order of this session has that id.";

export const orders = new Hono<AppEnv>();
orders.use("*", requireSession);

orders.get("/:id", async (c) => {
	const id = c.req.param("id");
	const sku = skuOfId(id, "ord");
	const session = c.get("session");
	if (sku === null || session === undefined) return fail(c, "not_found", NOT_FOUND);
	await requireKnownSku(c, sku, "not_found", NOT_FOUND);
	const result = await inventory(c.env, sku).order(id, session.sessionId);
	if (!result.ok) return fail(c, "not_found", NOT_FOUND);
	return ok(c, result.order);
});
