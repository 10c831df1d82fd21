import { app } from "./app.ts";
import type { Env } from "./env.ts";

export { InventoryObject } from "../inventory/object.ts";
export { RateLimiterObject } from "../ratelimit/limiter-object.ts";
export { CostLedgerGroupObject } from "./cost/ledger-group-object.ts";
export { LocalEntrypoint } from "./local-entry.ts";
export { ResetKeysObject } from "./reset-keys-object.ts";

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
