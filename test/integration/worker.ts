// The Worker as the workers tests run it (vitest.config.ts `main`): the real one,
// except that the SKU object's payment provider is a ScriptedPayments the tests can
// reach inside the object (checkout-support.ts `withPayments`), and its D1 one whose
// batches the tests can hold (slow-d1-support.ts HeldD1).

import type { SessionSummary } from "../../src/domain/fairness.ts";
import type { InventoryEnv } from "../../src/inventory/env.ts";
import type { LiveBounds } from "../../src/inventory/live.ts";
import { InventoryObject as RealInventoryObject } from "../../src/inventory/object.ts";
import type { ShardCounters } from "../../src/inventory/rpc.ts";
import { sessionsOf } from "../../src/inventory/stats.ts";
import { sleep } from "../../src/shared/sleep.ts";
import worker from "../../src/worker/index.ts";
import { ScriptedPayments } from "./scripted-payments.ts";
import { HeldD1 } from "./slow-d1-support.ts";

export * from "../../src/worker/index.ts";

export class InventoryObject extends RealInventoryObject {
	readonly payments: ScriptedPayments;
	/** The object's D1, answering at once unless a test holds it (outbox-slow-d1.test.ts). */
	readonly d1: HeldD1;

	constructor(ctx: DurableObjectState, env: InventoryEnv) {
		const payments = new ScriptedPayments();
		const d1 = new HeldD1(env.DB);
		super(
			ctx,
			{ ...env, DB: d1.db },
			{ paymentProvider: (config, store) => payments.bind(config, store) },
		);
		this.payments = payments;
		this.d1 = d1;
	}

	/** Calls of escrowCounters this object answered: a split SKU's merges of it (live-idle-split.test.ts). */
	countersAnswered = 0;

	override escrowCounters(withSessions?: boolean): ShardCounters | null {
		this.countersAnswered += 1;
		return super.escrowCounters(withSessions);
	}

	/** Calls of eventualReadRules this object answered (eventual-calls.test.ts). */
	eventualRulesAnswered = 0;
	/** eventualReadRules answers this late: an object slow under load (eventual-calls.test.ts). */
	eventualRulesLateMs = 0;

	override async eventualReadRules(
		...args: Parameters<RealInventoryObject["eventualReadRules"]>
	): Promise<Awaited<ReturnType<RealInventoryObject["eventualReadRules"]>>> {
		this.eventualRulesAnswered += 1;
		if (this.eventualRulesLateMs > 0) await sleep(this.eventualRulesLateMs);
		return super.eventualReadRules(...args);
	}

	/** The pace of a split SKU's coordinator's merges for its feed (live-idle-split.test.ts). */
	livePollPace(): "fast" | "slow" | "stopped" {
		return this.livePoll.pace();
	}

	/**
	 * The merges' timer gone, as an eviction takes it (live-coordinator-wake.test.ts): the harness's
	 * eviction waits for the object's requests to drain, and a merge timer re-armed from the
	 * upgrade's request keeps that request going for as long as anyone watches.
	 */
	livePollDies(): void {
		const poll = this.livePoll as unknown as {
			timer: ReturnType<typeof setTimeout> | null;
			wait(ms: number): void;
		};
		poll.wait = () => {};
		if (poll.timer !== null) clearTimeout(poll.timer);
		poll.timer = null;
	}

	/**
	 * The live feed's clock runs `aheadMs` ahead from now on, so its sockets are silent past the
	 * idle bound without waiting it out (live-idle-split.test.ts; the workers tests run every
	 * object with the default bound).
	 */
	liveClockAhead(aheadMs: number): void {
		(this.live as unknown as { clock: () => number }).clock = () => Date.now() + aheadMs;
	}

	/**
	 * The live feed's bounds lowered for this instance (live-stats.test.ts): the workers tests run
	 * every object with the defaults (5,000 sockets, 50 per address), too many to open in a test.
	 */
	liveBoundsLowered(sockets: number, perAddress: number): void {
		const bounds = (this.live as unknown as { bounds: LiveBounds }).bounds;
		bounds.sockets = sockets;
		bounds.perAddress = perAddress;
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
