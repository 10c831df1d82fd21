// What the SKU object is built from besides its storage and environment (inventory/object.ts):
// the workers tests pass their own (test/integration/scripted-payments.ts).

import {
	type PaymentProvider,
	paymentProvider,
	type SimRecord,
	type SyncStore,
} from "../payment/index.ts";
import type { PaymentSettings } from "../shared/config.ts";

/** What the object is built from besides its storage and environment (tests pass their own). */
export interface InventoryDeps {
	/** The payment provider; `simStore` keeps the simulated provider's records in this object's SQLite. */
	paymentProvider(settings: PaymentSettings, simStore: SyncStore<SimRecord>): PaymentProvider;
}

export const DEFAULT_DEPS: InventoryDeps = { paymentProvider };
