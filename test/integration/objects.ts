// The SKU objects as the workers tests reach them around the Worker: by name (a one-object
// SKU, or a split SKU's coordinator, is named by the SKU itself), and a split SKU's shard by
// its index (src/domain/escrow.ts shardName: index 0 is the coordinator).

import { env } from "cloudflare:workers";
import { shardName } from "../../src/domain/escrow.ts";

/** The object named `name` (a SKU, or a shard's name). */
export const stubOf = (name: string) => env.INVENTORY.get(env.INVENTORY.idFromName(name));

/** Shard `index` of the split SKU `sku`. */
export const shardStub = (sku: string, index: number) => stubOf(shardName(sku, index));
