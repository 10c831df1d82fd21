// The untimed setup shared by the reserve benches (cli/bench/ours.ts, cli/bench-shards.ts): the
// operator's headers, buyers' headers, and a bench SKU with enough sessions, stock and purchase
// limit that neither binds during a run.

import type { Stats } from "../../src/shared/types.ts";
import { clientIp, expectCall } from "./http.ts";

/** Enough sessions that perUserLimit never binds: 1,000 units each (MAX_PER_USER_LIMIT). */
export const SESSIONS = 256;
export const PER_USER_LIMIT = 1_000;
/** Far more than a run can take, so every attempt can be a hold. */
export const HOT_STOCK = 10_000_000;
export const HOLD_SECONDS = 3_600;
/** Setup calls in flight at once. */
export const SETUP_WIDTH = 32;

/** The operator, from one address of its own. */
export function adminHeaders(adminToken: string): Record<string, string> {
	return { authorization: `Bearer ${adminToken}`, "cf-connecting-ip": "10.255.0.1" };
}

/** Request slot i speaks as session i mod SESSIONS, from that session's address. */
export function sessionHeadersFor(
	tokens: readonly string[],
): (i: number) => Record<string, string> {
	return (i) => ({
		authorization: `Bearer ${tokens[i % SESSIONS]}`,
		"cf-connecting-ip": clientIp(i % SESSIONS),
	});
}

/** Creates a bench SKU (10.00 USD, HOLD_SECONDS holds, PER_USER_LIMIT unless `fields` says otherwise). */
export async function createBenchProduct(
	base: string,
	admin: Record<string, string>,
	sku: string,
	fields: { totalStock: number } & Record<string, unknown>,
): Promise<Record<string, unknown>> {
	return await expectCall(
		201,
		base,
		"POST",
		"/api/admin/products",
		{
			sku,
			name: `Bench ${sku}`,
			priceCents: 1_000,
			currency: "USD",
			holdSeconds: HOLD_SECONDS,
			perUserLimit: PER_USER_LIMIT,
			...fields,
		},
		admin,
	);
}

/** The SKU's operator stats. */
export async function benchStats(
	base: string,
	admin: Record<string, string>,
	sku: string,
): Promise<Stats> {
	return (await expectCall(
		200,
		base,
		"GET",
		`/api/admin/products/${sku}/stats`,
		undefined,
		admin,
	)) as unknown as Stats;
}
