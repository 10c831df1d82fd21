// How the simulated provider (simulated.ts) names what it keeps: the store's key of a charge,
// a refund, a payment and the stats, a charge's fingerprint (what a request replaying a key
// must match), and the ids it mints.

import { clockHex, pooledRandomHex } from "../shared/hex.ts";
import type { ChargeRequest } from "./provider.ts";

export const STATS_KEY = "stats";
export const chargeKey = (idempotencyKey: string) => `charge:${idempotencyKey}`;
export const refundKey = (idempotencyKey: string) => `refund:${idempotencyKey}`;
export const paymentKey = (paymentId: string) => `payment:${paymentId}`;

/** Stripe compares every parameter of a replayed request; so do we. */
export function chargeFingerprint(req: ChargeRequest): string {
	const metadata = Object.entries(req.metadata ?? {}).sort(([a], [b]) =>
		a < b ? -1 : a > b ? 1 : 0,
	);
	return JSON.stringify([
		req.amountCents,
		req.currency,
		req.paymentMethod,
		req.description ?? null,
		metadata,
	]);
}

/** Random bytes after an id's 12 clock digits: 32 hex digits in all. */
const ID_RANDOM_BYTES = 10;

/**
 * `<prefix>_` and 32 hex digits that start with the clock: payment records are keyed by it,
 * and ids minted one after another then go to the end of the table's key order instead of
 * random leaves of it (as the reservation ids do, src/worker/ids.ts).
 */
export function newId(prefix: string): string {
	return `${prefix}_${clockHex()}${pooledRandomHex(ID_RANDOM_BYTES)}`;
}
