// A buyer's read of its own standing on one SKU (docs/api.md, "The session's holds";
// docs/decisions/122-a-buyers-read-of-the-sessions-holds.md): the session's holds that still
// stand and its count for the purchase limit, so a tab that missed another tab's news, or a
// browser sharing the session, can show the other's hold. Answered by the object that decides
// the session's reserves: the SKU's own, or on a split SKU the session's shard, which holds every
// hold the session took (a session's attempts only ever go there, domain/escrow.ts shardOf, and the
// shard count is fixed at the SKU's create). An isolate that does not know the SKU is split yet
// asks shard 0, which answers `misrouted` with the count, as on the reserve path: at most two
// object calls, and no write anywhere.
//
// `?mode=eventual` reads eventual mode's allocations instead (the demo's D1 books, worker/eventual.ts):
// they are no hold of any object, so the default read never lists them and never pays for D1
// (docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md).

import { Hono } from "hono";
import { SKU_PATTERN } from "../../domain/bounds.ts";
import { shardOf } from "../../domain/escrow.ts";
import type { SessionHoldsResult } from "../../inventory/rpc.ts";
import type { SessionHolds } from "../../shared/types.ts";
import { requireKnownSku } from "../catalogue.ts";
import { rememberShards, shardsOf } from "../edge-snapshot.ts";
import { eventualHolds } from "../eventual.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";

export const sessionHolds = new Hono<AppEnv>();
sessionHolds.use("/:sku/holds/mine", requireSession);

sessionHolds.get("/:sku/holds/mine", async (c) => {
	const sku = c.req.param("sku");
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	if (!SKU_PATTERN.test(sku))
		throw new ApiError("invalid_request", "sku: must be 1–64 of A-Z a-z 0-9 . _ -");
	const mode = c.req.query("mode") ?? "safe";
	if (mode !== "safe" && mode !== "eventual")
		throw new ApiError("invalid_request", 'mode: must be "safe" (the default) or "eventual"');
	await requireKnownSku(c, sku);
	const { sessionId } = session;
	if (mode === "eventual") {
		const allocations = await eventualHolds(c.env, sku, sessionId);
		if (allocations === null)
			return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
		return ok(c, allocations);
	}
	const read = (shards: number): Promise<SessionHoldsResult> =>
		inventory(c.env, sku, shardOf(sessionId, shards)).sessionHolds(sessionId);
	let result = await read(shardsOf(sku));
	if (!result.ok && result.code === "misrouted") {
		rememberShards(sku, result.shards);
		result = await read(result.shards);
		if (!result.ok && result.code === "misrouted")
			throw new Error("the shard count of a SKU changed");
	}
	if (!result.ok) return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	const { holds, usedUnits, perUserLimit, coolDownUntil } = result;
	return ok(c, { holds, usedUnits, perUserLimit, coolDownUntil } satisfies SessionHolds);
});
