// GET /api/admin/limits (operator): the rate limits in force and the edge's
// refusals that belong to no SKU (per-IP reads/writes, session creation), by
// reason. Refusals of one SKU are in that SKU's stats (`rejected`).

import { Hono } from "hono";
import { TOTALS_NAME } from "../../ratelimit/limiter-object.ts";
import { type AppEnv, ok } from "../http.ts";
import { requireAdmin } from "../middleware/auth.ts";
import { deliverTallies } from "../middleware/ratelimit.ts";

export const adminLimits = new Hono<AppEnv>();
adminLimits.use("*", requireAdmin);

adminLimits.get("/", async (c) => {
	const config = c.get("config").rateLimits;
	await deliverTallies(c.env, null);
	const rejected = await c.env.LIMITER.get(c.env.LIMITER.idFromName(TOTALS_NAME)).totals();
	return ok(c, { enabled: config !== null, limits: config, rejected });
});
