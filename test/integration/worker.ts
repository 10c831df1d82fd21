// The Worker as the workers tests run it (vitest.config.ts `main`): the real one,
// except that the SKU object's payment provider is a ScriptedPayments the tests can
// reach inside the object (checkout-support.ts `withPayments`).

import type { SessionSummary } from "../../src/domain/fairness.ts";
import type { InventoryEnv } from "../../src/inventory/env.ts";
import { InventoryObject as RealInventoryObject } from "../../src/inventory/object.ts";
import { sessionsOf } from "../../src/inventory/stats.ts";
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

	/** Rows one stats read reads, as the object's SQLite counts them (readers-stats-rows.test.ts). */
	async statsRowsRead(): Promise<number> {
		this.rows.take();
		await this.stats();
		return this.rows.take().read;
	}

	/** What the fairness figures know of each session here, as a stats read gathers it (readers.test.ts). */
	fairnessSessions(): SessionSummary[] {
		return sessionsOf(this.statsSource());
	}
}

export default worker;
