// Reaching a SKU's object. The object's name is the SKU itself, so every
// isolate everywhere routes one SKU to the same single instance.

import type { Env } from "./env.ts";

export function inventory(env: Env, sku: string) {
	return env.INVENTORY.get(env.INVENTORY.idFromName(sku));
}
