// Reaching a SKU's object. The object's name is the SKU itself, so every
// isolate everywhere routes one SKU to the same single instance. A SKU split
// across shards has one object per shard: shard 0 is the SKU's own object (and
// the coordinator), shard i is `<sku>#<i>` (docs/decisions/020-escrow-shards.md).

import { shardName } from "../domain/escrow.ts";
import type { Env } from "./env.ts";

export function inventory(env: Env, sku: string, shard = 0) {
	return env.INVENTORY.get(env.INVENTORY.idFromName(shard === 0 ? sku : shardName(sku, shard)));
}
