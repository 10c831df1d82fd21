// What the SKU object reads from its environment: the permanent record and the
// payment configuration. The Worker's Env (src/worker/env.ts) carries all of it;
// declaring it here keeps src/inventory free of src/worker imports.

import type { PaymentConfig } from "../payment/index.ts";

export interface InventoryEnv extends PaymentConfig {
	/** The permanent record the outbox copies audit events and orders to. */
	DB: D1Database;
	/** How long a hold may stay CHECKOUT_PENDING, in ms (inventory/checkout-driver.ts paymentWindowMs). */
	PAYMENT_TIMEOUT_MS?: string;
}
