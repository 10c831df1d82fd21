// GET /api/orders/:id (owner; docs/api.md). Order ids carry their SKU (worker/ids.ts),
// so the read goes straight to the one object that holds the order.

import { Hono } from "hono";
import { requireKnownSku } from "../catalogue.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { ownerOfId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireKnownShard } from "../known-shard.ts";
import { requireOwnSession } from "../middleware/auth.ts";

const NOT_FOUND = "No order of this session has that id.";

export const orders = new Hono<AppEnv>();
// Paying or reading what the session owns: also after it ended, within its grace (middleware/auth.ts).
orders.use("*", requireOwnSession);

orders.get("/:id", async (c) => {
	const id = c.req.param("id");
	const owner = ownerOfId(id, "ord");
	const session = c.get("session");
	if (owner === null || session === undefined) return fail(c, "not_found", NOT_FOUND);
	await requireKnownSku(c, owner.sku, "not_found", NOT_FOUND);
	await requireKnownShard(c, owner.sku, owner.shard, NOT_FOUND);
	const result = await inventory(c.env, owner.sku, owner.shard).order(id, session.sessionId);
	if (!result.ok) return fail(c, "not_found", NOT_FOUND);
	return ok(c, result.order);
});
