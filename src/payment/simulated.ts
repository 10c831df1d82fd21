// The local default provider (docs/api.md, "Checkout"). It behaves like Stripe where
// the saga's correctness depends on it:
// - an idempotency key's first result is stored and replayed for the same
//   parameters; different parameters with the same key are refused;
// - a second request with a key whose first request is still running is refused
//   (Stripe answers 409), which the caller sees as `unknown`;
// - a timeout may hide a capture: `pm_sim_timeout` captures on the first attempt
//   but "loses" the response, so the retry with the same key finds the capture;
// - a lookup (the saga's compensation probe) never captures: it answers the key's first
//   charge, or spends a key no charge reached so that one arriving later cannot capture
//   (src/payment/provider.ts `lookup`; docs/decisions/062-saga-after-reset-overload-and-probe.md).
//
// State lives in a small synchronous store (sim-store.ts) so that the Durable Object
// can back it with its SQLite (same turn, no await) and a restarted object still
// replays the earlier captures instead of charging again. Values are plain JSON.

import { sleep } from "../shared/sleep.ts";
import {
	type CallOptions,
	type ChargeOutcome,
	type ChargeRequest,
	type LookupOutcome,
	type PaymentProvider,
	type RefundOutcome,
	resolveTimeoutMs,
	validateChargeRequest,
	validateId,
	validateIdempotencyKey,
} from "./provider.ts";
import {
	chargeFingerprint,
	chargeKey,
	newId,
	paymentKey,
	refundKey,
	STATS_KEY,
} from "./sim-keys.ts";
import { SIM_PAYMENT_METHODS, simMethodProblem } from "./sim-methods.ts";
import {
	MemoryStore,
	type SimRecord,
	type SimulatedProviderStats,
	type SyncStore,
} from "./sim-store.ts";

// Re-exported: callers know the simulator's methods as part of the simulator.
export { SIM_PAYMENT_METHODS, simMethodProblem };

export interface SimulatedProviderOptions {
	/** Simulated provider round trip, applied with setTimeout on every call. */
	latencyMs?: number;
	store?: SyncStore<SimRecord>;
}

/** A latency beyond this is a configuration mistake, not a simulation. */
export const MAX_SIM_LATENCY_MS = 60_000;

export const REASON_KEY_REUSED = "idempotency key reused with different parameters";
export const REASON_KEY_IN_USE = "idempotency key in use by a concurrent request";
export const REASON_UNKNOWN_METHOD = "unknown payment method";
export const REASON_DECLINED = "generic_decline";
export const REASON_LOST_RESPONSE = "simulated timeout: response lost after capture";
export const REASON_PROVIDER_ERROR = "api_error: simulated provider error";
export const REASON_ALREADY_REFUNDED = "charge_already_refunded";
export const REASON_NO_SUCH_PAYMENT = "resource_missing: no such captured payment";
/** What a charge gets whose key a lookup spent first (it found no charge): nothing is captured. */
export const REASON_KEY_SPENT_BY_LOOKUP = "idempotency key spent by a lookup that found no charge";

export class SimulatedProvider implements PaymentProvider {
	readonly name = "simulated";
	/** Its records live in the caller's store (the object's SQLite): a call sends nothing out. */
	readonly inObject = true;
	private readonly latencyMs: number;
	private readonly store: SyncStore<SimRecord>;
	// In-flight keys are process memory on purpose: after a restart nothing is in flight.
	private readonly inFlight = new Set<string>();
	private countsQueued = false;
	/** Counts not yet written to the stats record (see writeCounts). */
	private readonly counted: SimulatedProviderStats = {
		chargeCalls: 0,
		refundCalls: 0,
		captures: 0,
		refunds: 0,
	};

	constructor(options: SimulatedProviderOptions = {}) {
		const latencyMs = options.latencyMs ?? 0;
		if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > MAX_SIM_LATENCY_MS) {
			throw new RangeError(`latencyMs must be 0..${MAX_SIM_LATENCY_MS}, got ${latencyMs}`);
		}
		this.latencyMs = latencyMs;
		this.store = options.store ?? new MemoryStore<SimRecord>();
	}

	/** The counts written, and those of this turn not written yet. */
	stats(): SimulatedProviderStats {
		const stats = this.stored();
		for (const field of Object.keys(stats) as (keyof SimulatedProviderStats)[]) {
			stats[field] += this.counted[field];
		}
		return stats;
	}

	private stored(): SimulatedProviderStats {
		const record = this.store.get(STATS_KEY);
		if (record === undefined) return { chargeCalls: 0, refundCalls: 0, captures: 0, refunds: 0 };
		if (record.type !== "stats")
			throw new Error(`store holds a ${record.type} record under "stats"`);
		return { ...record.stats };
	}

	/**
	 * A charge's answer within the call when there is no latency to simulate, so the caller
	 * can step it in the same synchronous turn (src/inventory/checkout-driver.ts); undefined
	 * with a latency. The same work as `charge`, which goes through here at zero latency.
	 */
	chargeNow(req: ChargeRequest): ChargeOutcome | undefined {
		if (this.latencyMs !== 0) return undefined;
		this.count("chargeCalls");
		const problem = validateChargeRequest(req);
		if (problem !== null) return { kind: "error", reason: problem };
		return this.settleNow(chargeKey(req.idempotencyKey), () => this.settleCharge(req));
	}

	/** Its methods are the fixed set of SIM_PAYMENT_METHODS: any other is refused before a charge. */
	methodProblem(paymentMethod: string): string | null {
		return simMethodProblem(paymentMethod);
	}

	/** A refund's answer within the call when there is no latency to simulate; see chargeNow. */
	refundNow(paymentId: string, idempotencyKey: string): RefundOutcome | undefined {
		if (this.latencyMs !== 0) return undefined;
		this.count("refundCalls");
		const problem = validateId("paymentId", paymentId) ?? validateIdempotencyKey(idempotencyKey);
		if (problem !== null) return { kind: "error", reason: problem };
		return this.settleNow(refundKey(idempotencyKey), () =>
			this.settleRefund(paymentId, idempotencyKey),
		);
	}

	charge(req: ChargeRequest, opts?: CallOptions): Promise<ChargeOutcome> {
		if (this.latencyMs === 0) return settled(() => this.chargeNow(req) as ChargeOutcome);
		this.count("chargeCalls");
		const problem = validateChargeRequest(req);
		if (problem !== null) return Promise.resolve({ kind: "error", reason: problem });
		return this.attempt(chargeKey(req.idempotencyKey), opts, () => this.settleCharge(req));
	}

	refund(paymentId: string, idempotencyKey: string, opts?: CallOptions): Promise<RefundOutcome> {
		if (this.latencyMs === 0) {
			return settled(() => this.refundNow(paymentId, idempotencyKey) as RefundOutcome);
		}
		this.count("refundCalls");
		const problem = validateId("paymentId", paymentId) ?? validateIdempotencyKey(idempotencyKey);
		if (problem !== null) return Promise.resolve({ kind: "error", reason: problem });
		return this.attempt(refundKey(idempotencyKey), opts, () =>
			this.settleRefund(paymentId, idempotencyKey),
		);
	}

	/** A lookup's answer within the call when there is no latency to simulate; see chargeNow. */
	lookupNow(req: ChargeRequest): LookupOutcome | undefined {
		if (this.latencyMs !== 0) return undefined;
		const problem = validateChargeRequest(req);
		if (problem !== null) return { kind: "error", reason: problem };
		return this.settleNow(chargeKey(req.idempotencyKey), () => this.settleLookup(req));
	}

	/**
	 * The charge this request made, without charging: its first outcome, `unknown` while it
	 * is in flight (the key is locked), or `none` when it never arrived — and then the key is
	 * spent, so the charge cannot capture if it arrives later. Not counted as a charge call.
	 */
	lookup(req: ChargeRequest, opts?: CallOptions): Promise<LookupOutcome> {
		if (this.latencyMs === 0) return settled(() => this.lookupNow(req) as LookupOutcome);
		const problem = validateChargeRequest(req);
		if (problem !== null) return Promise.resolve({ kind: "error", reason: problem });
		return this.attempt(chargeKey(req.idempotencyKey), opts, () => this.settleLookup(req));
	}

	/** Zero latency: the key is locked while the call settles, within this turn. */
	private settleNow<T>(lockKey: string, settle: () => T): T | { kind: "unknown"; reason: string } {
		if (this.inFlight.has(lockKey)) return { kind: "unknown", reason: REASON_KEY_IN_USE };
		this.inFlight.add(lockKey);
		try {
			return settle();
		} finally {
			this.inFlight.delete(lockKey);
		}
	}

	/**
	 * One request as the provider would see it: the key is locked on arrival, the
	 * work happens after the latency, and the caller stops waiting at its timeout —
	 * while the "server side" still finishes, as a real provider would.
	 */
	private async attempt<T extends LookupOutcome | RefundOutcome>(
		lockKey: string,
		opts: CallOptions | undefined,
		settle: () => T,
	): Promise<T | { kind: "unknown"; reason: string }> {
		if (this.inFlight.has(lockKey)) return { kind: "unknown", reason: REASON_KEY_IN_USE };
		this.inFlight.add(lockKey);
		const serverSide = sleep(this.latencyMs)
			.then(settle)
			.finally(() => this.inFlight.delete(lockKey));
		const timeoutMs = resolveTimeoutMs(opts?.timeoutMs);
		return withDeadline(serverSide, timeoutMs, () => ({
			kind: "unknown" as const,
			reason: `timeout after ${timeoutMs} ms`,
		}));
	}

	// Synchronous from lookup to store write, so no other call can interleave.
	private settleCharge(req: ChargeRequest): ChargeOutcome {
		const key = chargeKey(req.idempotencyKey);
		const fingerprint = chargeFingerprint(req);
		// Decided before the key is known to be new: a key in use only costs a payment id that
		// no record names, and the payment record and the capture count follow the charge's.
		const { outcome, payment } = this.decide(req);
		const record: SimRecord = { type: "charge", fingerprint, outcome };
		const paymentRecord =
			payment === null ? undefined : { key: paymentKey(payment.paymentId), value: payment };
		if (!this.store.putNew(key, record, paymentRecord)) {
			return replayCharge(this.read(key, "charge") as ChargeRecord, fingerprint);
		}
		if (payment !== null) this.count("captures");
		if (req.paymentMethod === SIM_PAYMENT_METHODS.timeoutThenSucceeds) {
			// Captured and stored above, but this first response never reaches the caller.
			return { kind: "unknown", reason: REASON_LOST_RESPONSE };
		}
		return outcome;
	}

	// Synchronous like settleCharge: the key is spent in the same write that finds it free.
	private settleLookup(req: ChargeRequest): LookupOutcome {
		const key = chargeKey(req.idempotencyKey);
		const fingerprint = chargeFingerprint(req);
		const spent: SimRecord = {
			type: "charge",
			fingerprint,
			outcome: { kind: "error", reason: REASON_KEY_SPENT_BY_LOOKUP },
		};
		if (this.store.putNew(key, spent)) return { kind: "none" };
		return replayCharge(this.read(key, "charge") as ChargeRecord, fingerprint);
	}

	/** A new charge's outcome, and the payment record to write when it captures money. */
	private decide(req: ChargeRequest): { outcome: ChargeOutcome; payment: PaymentRecord | null } {
		switch (req.paymentMethod) {
			case SIM_PAYMENT_METHODS.succeeds:
			case SIM_PAYMENT_METHODS.timeoutThenSucceeds: {
				const paymentId = newId("pi_sim");
				return {
					outcome: { kind: "succeeded", paymentId },
					payment: {
						type: "payment",
						paymentId,
						amountCents: req.amountCents,
						currency: req.currency,
						refundId: null,
					},
				};
			}
			case SIM_PAYMENT_METHODS.declined:
				// Stripe creates a PaymentIntent even when the card is declined.
				return {
					outcome: { kind: "declined", paymentId: newId("pi_sim"), reason: REASON_DECLINED },
					payment: null,
				};
			case SIM_PAYMENT_METHODS.providerError:
				return { outcome: { kind: "error", reason: REASON_PROVIDER_ERROR }, payment: null };
			default:
				return {
					outcome: { kind: "declined", paymentId: null, reason: REASON_UNKNOWN_METHOD },
					payment: null,
				};
		}
	}

	private settleRefund(paymentId: string, idempotencyKey: string): RefundOutcome {
		const key = refundKey(idempotencyKey);
		const earlier = this.read(key, "refund");
		if (earlier !== undefined) {
			if (earlier.paymentId !== paymentId) return { kind: "error", reason: REASON_KEY_REUSED };
			return earlier.outcome;
		}
		const outcome = this.decideRefund(paymentId);
		this.store.put(key, { type: "refund", paymentId, outcome });
		return outcome;
	}

	private decideRefund(paymentId: string): RefundOutcome {
		const payment = this.read(paymentKey(paymentId), "payment");
		if (payment === undefined) return { kind: "error", reason: REASON_NO_SUCH_PAYMENT };
		if (payment.refundId !== null) return { kind: "error", reason: REASON_ALREADY_REFUNDED };
		const refundId = newId("re_sim");
		this.store.put(paymentKey(paymentId), { ...payment, refundId });
		this.count("refunds");
		return { kind: "refunded", refundId };
	}

	private read<K extends SimRecord["type"]>(
		key: string,
		type: K,
	): Extract<SimRecord, { type: K }> | undefined {
		const record = this.store.get(key);
		if (record === undefined) return undefined;
		// Keys are prefixed by type, so a mismatch means a corrupted store: unexpected.
		if (record.type !== type) throw new Error(`store holds a ${record.type} record under ${key}`);
		return record as Extract<SimRecord, { type: K }>;
	}

	/** Counted in memory, written by writeCounts in a microtask queued by the turn's first count. */
	private count(field: keyof SimulatedProviderStats): void {
		this.counted[field] += 1;
		if (this.countsQueued) return;
		this.countsQueued = true;
		queueMicrotask(() => {
			this.countsQueued = false;
			this.writeCounts();
		});
	}

	/**
	 * One read and one write of the stats record per turn of the caller (a batch of
	 * zero-latency charges counts all its calls and captures together), in a microtask, so
	 * before the caller's task ends: the counts are written in the same transaction as the
	 * records they count. Read again every time: another instance may share the store.
	 */
	private writeCounts(): void {
		const { counted } = this;
		if (Object.values(counted).every((n) => n === 0)) return;
		const stats = this.stored();
		for (const field of Object.keys(counted) as (keyof SimulatedProviderStats)[]) {
			stats[field] += counted[field];
			counted[field] = 0;
		}
		this.store.put(STATS_KEY, { type: "stats", stats });
	}
}

type ChargeRecord = Extract<SimRecord, { type: "charge" }>;
type PaymentRecord = Extract<SimRecord, { type: "payment" }>;

/** The first result of a key, for the same parameters; different ones are refused. */
function replayCharge(earlier: ChargeRecord, fingerprint: string): ChargeOutcome {
	if (earlier.fingerprint !== fingerprint) return { kind: "error", reason: REASON_KEY_REUSED };
	return earlier.outcome;
}

function withDeadline<T, U>(
	work: Promise<T>,
	timeoutMs: number,
	onTimeout: () => U,
): Promise<T | U> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const deadline = new Promise<U>((resolve) => {
		timer = setTimeout(() => resolve(onTimeout()), timeoutMs);
	});
	return Promise.race([work, deadline]).finally(() => {
		if (timer !== undefined) clearTimeout(timer);
	});
}

/** `fn`'s value as a settled promise, its throw as a rejected one (as an async call would). */
function settled<T>(fn: () => T): Promise<T> {
	try {
		return Promise.resolve(fn());
	} catch (error) {
		return Promise.reject(error);
	}
}
