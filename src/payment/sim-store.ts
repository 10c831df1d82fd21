// What the simulated payment provider (simulated.ts) keeps, and the synchronous store it keeps
// it in: memory by default, or the SKU object's SQLite (sql-store.ts), where a record is
// written in the caller's transaction and survives a restart.

import type { ChargeOutcome, RefundOutcome } from "./provider.ts";

/** The storage the caller may make durable. Synchronous on purpose (DO SQLite is). */
export interface SyncStore<T> {
	get(key: string): T | undefined;
	put(key: string, value: T): void;
	/**
	 * Writes `value` under `key` unless the key holds a record already, and `also` with it (a
	 * key of its own that must not hold a record yet); true when it wrote, false when `key` was
	 * taken and nothing was written. A new charge and its payment record cost one statement in
	 * the caller's SQLite, and no read (docs/decisions/047-checkout-d1-and-saga-rows.md,
	 * docs/decisions/048-checkout-whole-process-profile.md).
	 */
	putNew(key: string, value: T, also?: { key: string; value: T }): boolean;
}

/** Default store. Unbounded by design: evicting a key would allow a second capture;
 * it grows with the number of checkouts, which stock bounds. */
export class MemoryStore<T> implements SyncStore<T> {
	private readonly entries = new Map<string, T>();
	get(key: string): T | undefined {
		return this.entries.get(key);
	}
	put(key: string, value: T): void {
		this.entries.set(key, value);
	}
	putNew(key: string, value: T, also?: { key: string; value: T }): boolean {
		if (this.entries.has(key)) return false;
		if (also !== undefined && this.entries.has(also.key)) {
			throw new Error(`store already holds a record under ${also.key}`);
		}
		this.entries.set(key, value);
		if (also !== undefined) this.entries.set(also.key, also.value);
		return true;
	}
}

export interface SimulatedProviderStats {
	chargeCalls: number;
	refundCalls: number;
	/** Money actually taken; a replayed result does not count again. */
	captures: number;
	refunds: number;
}

/** Everything the simulated provider stores, keyed by the prefixes below. JSON-safe. */
export type SimRecord =
	| { type: "charge"; fingerprint: string; outcome: ChargeOutcome }
	| {
			type: "payment";
			paymentId: string;
			amountCents: number;
			currency: string;
			refundId: string | null;
	  }
	| { type: "refund"; paymentId: string; outcome: RefundOutcome }
	| { type: "stats"; stats: SimulatedProviderStats };
