// The edge's answer to "does this SKU have that shard?", for ids that name one
// (`…~<sku>~<i>`, worker/ids.ts): a made-up suffix past the SKU's shard count, or any suffix
// on a one-object SKU, is refused without reaching (and so instantiating) an object for it —
// locally a new SQLite file, on Cloudflare a billed Durable Object request (as for unknown
// SKUs, worker/catalogue.ts). The count is fixed at the SKU's create: what the SKU's own
// object (shard 0, which exists for every known SKU) answered once is kept for the isolate's
// life (worker/edge-snapshot.ts), so a real id costs nothing and a made-up one at most one
// call to an object that already exists
// (docs/decisions/084-turnstile-failures-admin-token-and-shard-ids.md).

import { knownShardCount, rememberShardCount, shardsOf } from "./edge-snapshot.ts";
import { ApiError, type Ctx } from "./http.ts";
import { inventory } from "./inventory-stub.ts";

/** Call after requireKnownSku: throws 404 `not_found` with `message` when the SKU has no such shard. */
export async function requireKnownShard(
	c: Ctx,
	sku: string,
	shard: number,
	message: string,
): Promise<void> {
	// Shard 0 is the SKU's own object; a count this isolate learned from a reserve covers the rest.
	if (shard === 0 || shard < shardsOf(sku)) return;
	let count = knownShardCount(sku);
	if (count === undefined) {
		const answered = await inventory(c.env, sku).shardCount();
		// No product in the object (D1 knew the SKU first): nothing of it exists on any shard.
		if (answered === null) throw new ApiError("not_found", message);
		rememberShardCount(sku, answered);
		count = answered;
	}
	if (shard >= count) throw new ApiError("not_found", message);
}
