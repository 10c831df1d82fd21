// The Worker as the workers tests run it (vitest.config.ts `main`): the real one,
// except that the SKU object's payment provider is a ScriptedPayments the tests can
// reach inside the object (checkout-support.ts `withPayments`).

import type { SessionSummary } from "../../src/domain/fairness.ts";
import type { InventoryEnv } from "../../src/inventory/env.ts";
import { sessionSummaries } from "../../src/inventory/fairness.ts";
import { InventoryObject as RealInventoryObject } from "../../src/inventory/object.ts";
import worker from "../../src/worker/index.ts";
import { ScriptedPayments } from "./scripted-payments.ts";

export * from "../../src/worker/index.ts";

export class InventoryObject extends RealInventoryObject {
	readonly payments: ScriptedPayments;

	constructor(ctx: DurableObjectState, env: InventoryEnv) {
		const payments = new ScriptedPayments();
		super(ctx, env, { paymentProvider: (config, store) => payments.bind(config, store) });
		this.payments = payments;
	}

	/** Batches of checkout requests the saga driver admitted (checkout-batch.test.ts). */
	checkoutBatches(): number {
		return this.saga.batches;
	}

	/** What the fairness figures know of each session here, as a stats read gathers it (readers.test.ts). */
	fairnessSessions(): SessionSummary[] {
		return sessionSummaries(this.sql, this.guard);
	}
}

export default worker;
