// What a request would cost on Cloudflare, from one price table (docs/demo.md:
// every response carries the cost ledger). Pure: no Workers imports, so the
// Worker, the UI and the tests compute the same numbers.
//
// Source: Cloudflare's published list prices, Workers Paid plan, as read on
// 2026-11-22 (PRICES_AS_OF) from:
//   Workers requests, CPU ms      https://developers.cloudflare.com/workers/platform/pricing/
//   Durable Objects requests,     https://developers.cloudflare.com/durable-objects/platform/pricing/
//     duration (GB-s), SQLite rows read / written (same page, "Storage billing")
//   D1 rows read / written        https://developers.cloudflare.com/d1/platform/pricing/
//   KV reads, writes              https://developers.cloudflare.com/kv/platform/pricing/
//   Analytics Engine data points  https://developers.cloudflare.com/analytics/analytics-engine/pricing/
//
// Every unit is charged at the price above the monthly allowance: allowances
// are an account-level discount shared by all traffic, not a property of one
// request, so a per-request model that subtracted them would report $0 for
// the first ten million requests and tell a CFO nothing.

import type { UsageCounts } from "../shared/types.ts";

export const PRICES_AS_OF = "2026-11-22";

const PER_MILLION = 1 / 1_000_000;

/** USD per unit, each line converted from the published "$ per million". */
export const PRICE_USD = {
	/** Workers Standard: $0.30 per million requests. */
	workerRequest: 0.3 * PER_MILLION,
	/** Workers Standard: $0.02 per million CPU milliseconds. */
	workerCpuMs: 0.02 * PER_MILLION,
	/** Durable Objects: $0.15 per million requests (every RPC call is one). */
	doRequest: 0.15 * PER_MILLION,
	/** Durable Objects: $12.50 per million GB-s of wall-clock duration. */
	doGbSecond: 12.5 * PER_MILLION,
	/** SQLite-backed Durable Objects: $0.001 per million rows read. */
	doRowRead: 0.001 * PER_MILLION,
	/** SQLite-backed Durable Objects: $1.00 per million rows written (setAlarm counts as one). */
	doRowWritten: 1.0 * PER_MILLION,
	/** D1: $0.001 per million rows read. */
	d1RowRead: 0.001 * PER_MILLION,
	/** D1: $1.00 per million rows written. */
	d1RowWritten: 1.0 * PER_MILLION,
	/** KV: $0.50 per million reads. */
	kvRead: 0.5 * PER_MILLION,
	/** KV: $5.00 per million writes; deletes and lists have the same price. */
	kvWrite: 5.0 * PER_MILLION,
	/** Analytics Engine: $0.25 per million data points written. */
	aePoint: 0.25 * PER_MILLION,
} as const;

/** Duration is billed on the 128 MB every object is allocated, whatever it uses (DO pricing, footnote 5). */
export const DO_MEMORY_GB = 128 / 1024;

export function emptyUsage(): UsageCounts {
	return {
		workerRequests: 0,
		workerCpuMs: 0,
		doRequests: 0,
		doWallMs: 0,
		doRowsRead: 0,
		doRowsWritten: 0,
		d1RowsRead: 0,
		d1RowsWritten: 0,
		kvReads: 0,
		kvWrites: 0,
		aePoints: 0,
	};
}

/** The modelled list-price cost of the given usage, in USD. */
export function costUsd(u: UsageCounts): number {
	return (
		u.workerRequests * PRICE_USD.workerRequest +
		u.workerCpuMs * PRICE_USD.workerCpuMs +
		u.doRequests * PRICE_USD.doRequest +
		DO_MEMORY_GB * (u.doWallMs / 1000) * PRICE_USD.doGbSecond +
		u.doRowsRead * PRICE_USD.doRowRead +
		u.doRowsWritten * PRICE_USD.doRowWritten +
		u.d1RowsRead * PRICE_USD.d1RowRead +
		u.d1RowsWritten * PRICE_USD.d1RowWritten +
		u.kvReads * PRICE_USD.kvRead +
		u.kvWrites * PRICE_USD.kvWrite +
		u.aePoints * PRICE_USD.aePoint
	);
}

/**
 * What would really be billed: the virtual total times BILLING_SCALE, rounded
 * DOWN to whole cents. The tiny epsilon keeps binary floating point from
 * turning an exact 0.29 into 28.999…/100 and losing a cent; it is far below a
 * cent, so with BILLING_SCALE = 1e-9 the result is 0 for any total under
 * about $10 million (docs/demo.md: real billing is locked to zero by design).
 */
export function realUsd(virtualUsd: number, billingScale: number): number {
	if (!(virtualUsd > 0) || !(billingScale > 0)) return 0;
	return Math.floor(virtualUsd * billingScale * 100 + 1e-9) / 100;
}
