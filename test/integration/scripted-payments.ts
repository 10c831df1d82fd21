// The payment provider the workers tests give the SKU object (through
// test/integration/worker.ts): the configured provider, unless a test asks for a
// slow one, for the provider's answers to be lost, for its charges never to arrive, or
// to crash the caller. It
// stands where the network between the object and a real provider would be.
import {
	type CallOptions,
	type ChargeOutcome,
	type ChargeRequest,
	type LookupOutcome,
	type PaymentProvider,
	paymentProvider,
	type RefundOutcome,
	type SimRecord,
	SimulatedProvider,
	type SyncStore,
} from "../../src/payment/index.ts";
import type { PaymentSettings } from "../../src/shared/config.ts";

export class ScriptedPayments implements PaymentProvider {
	readonly name = "scripted";
	/**
	 * Every answer to a charge (a saga's attempt; the compensation's probe is a lookup and
	 * does not pass here) passes through here once the provider has acted: throw to emulate a crash right after
	 * the call, or return an outcome to replace the provider's (a lost response).
	 */
	afterCharge: ((outcome: ChargeOutcome) => ChargeOutcome | undefined) | null = null;
	/**
	 * Called as a charge reaches the provider: before it acts when it answers later, within
	 * the call when it answers at once (what the object has written by then).
	 */
	onCharge: ((req: ChargeRequest) => void) | null = null;
	/**
	 * Charges are lost on the way to the provider (connection refused, DNS, a timeout before
	 * the request was read): the provider never hears of them and the caller sees `unknown`.
	 * Lookups still get through.
	 */
	chargesNeverArrive = false;
	/** The charges lost that way, to deliver one late. */
	readonly neverArrived: ChargeRequest[] = [];
	/** Lookups the provider answered, and what it answered. */
	readonly lookups: LookupOutcome[] = [];
	/**
	 * Behave as a provider outside the object (Stripe): never an answer within the call, and
	 * the caller must have written the step before calling (src/payment/provider.ts inObject).
	 */
	outside = false;
	private bound: { config: PaymentSettings; store: SyncStore<SimRecord> } | null = null;
	private configured: PaymentProvider | null = null;
	private slowMs: number | null = null;
	private slow: SimulatedProvider | null = null;

	/** The object's provider factory (InventoryDeps): its configuration and its records. */
	bind(config: PaymentSettings, store: SyncStore<SimRecord>): this {
		this.bound = { config, store };
		return this;
	}

	/** From now on the simulated provider takes this long per call, over the same records. */
	set latencyMs(latencyMs: number) {
		this.slowMs = latencyMs;
		this.slow = null;
	}

	/** As the provider behind it: the simulated one runs inside the object. */
	get inObject(): boolean {
		return !this.outside && this.provider().inObject === true;
	}

	/** The configured provider's answer within the call, through afterCharge like charge's. */
	chargeNow(req: ChargeRequest): ChargeOutcome | undefined {
		if (this.outside || this.chargesNeverArrive) return undefined;
		const outcome = this.provider().chargeNow?.(req);
		if (outcome === undefined) return undefined;
		this.onCharge?.(req);
		return this.afterCharge?.(outcome) ?? outcome;
	}

	lookupNow(req: ChargeRequest): LookupOutcome | undefined {
		if (this.outside) return undefined;
		const outcome = this.provider().lookupNow?.(req);
		if (outcome !== undefined) this.lookups.push(outcome);
		return outcome;
	}

	async lookup(req: ChargeRequest, opts?: CallOptions): Promise<LookupOutcome> {
		const outcome = await this.provider().lookup(req, opts);
		this.lookups.push(outcome);
		return outcome;
	}

	refundNow(paymentId: string, idempotencyKey: string): RefundOutcome | undefined {
		if (this.outside) return undefined;
		return this.provider().refundNow?.(paymentId, idempotencyKey);
	}

	async charge(req: ChargeRequest, opts?: CallOptions): Promise<ChargeOutcome> {
		if (this.chargesNeverArrive) {
			this.neverArrived.push(req);
			return { kind: "unknown", reason: "injected: request never arrived" };
		}
		this.onCharge?.(req);
		const outcome = await this.provider().charge(req, opts);
		return this.afterCharge?.(outcome) ?? outcome;
	}

	refund(paymentId: string, idempotencyKey: string, opts?: CallOptions): Promise<RefundOutcome> {
		return this.provider().refund(paymentId, idempotencyKey, opts);
	}

	private provider(): PaymentProvider {
		if (this.bound === null) throw new Error("ScriptedPayments used before the object bound it");
		const { config, store } = this.bound;
		if (this.slowMs !== null) {
			this.slow ??= new SimulatedProvider({ latencyMs: this.slowMs, store });
			return this.slow;
		}
		this.configured ??= paymentProvider(config, store);
		return this.configured;
	}
}
