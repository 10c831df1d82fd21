// What the SKU object reads from its environment: the permanent record and the
// configuration variables (parsed once per object with src/shared/config.ts; the
// object uses the payment settings). The Worker's Env (src/worker/env.ts) carries all
// of it; declaring it here keeps src/inventory free of src/worker imports.

import type { ConfigVars } from "../shared/config.ts";

export type InventoryEnv = ConfigVars & {
	/** The permanent record the outbox copies audit events and orders to. */
	DB: D1Database;
	/** The SKU objects: a split SKU's objects reach each other here (inventory/escrow.ts; typed where used, no import cycle). */
	INVENTORY: DurableObjectNamespace;
};
