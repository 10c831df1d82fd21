// The edge's answer to "does this SKU exist?", so a request for an unknown SKU
// is refused without reaching (and so instantiating) an object: locally each
// object the runtime instantiates is a new SQLite file, on Cloudflare a billed
// Durable Object request.
//
// The truth is D1's `products` table, a projection of the SKU objects
// (inventory/projections.ts) that the create routes also write directly, so
// a product is in it before its create is answered whenever D1 is up. This
// isolate keeps:
// - the SKUs known to exist, for good (a product is never deleted): a known
//   SKU costs no D1 query on the hot path;
// - the SKUs D1 said it does not have, for CATALOGUE_NEGATIVE_TTL_MS: the same
//   unknown SKU asked again costs nothing, and a product created through
//   another isolate is refused here at most that long.
// When D1 cannot answer the SKU is let through to its object, which knows the
// truth: an outage costs unknown SKUs an object call again, never a refusal
// of a real product (docs/decisions/007-cold-path-d1-outages.md).

import { SKU_PATTERN } from "../domain/bounds.ts";
import { BoundedMap } from "../domain/rate-counters.ts";
import { INSERT_CATALOGUE_ROW } from "../inventory/projections.ts";
import { ApiError, type Ctx } from "./http.ts";
import { StorageUnavailable } from "./storage-errors.ts";

/** How long "D1 has no such SKU" is believed without asking again. */
export const CATALOGUE_NEGATIVE_TTL_MS = 1000;
/** Known SKUs an isolate remembers; the oldest is forgotten first (and asked again). */
export const MAX_KNOWN_SKUS = 10_000;
/** Unknown SKUs an isolate remembers: a fuzzer's stream of random SKUs cannot grow it further. */
export const MAX_UNKNOWN_SKUS = 10_000;

const known = new BoundedMap<true>(MAX_KNOWN_SKUS);
/** SKU → until when (this isolate's clock) it is believed unknown. */
const unknown = new BoundedMap<number>(MAX_UNKNOWN_SKUS);

/** "unreachable": D1 could not answer; the caller lets the object decide. */
export type SkuVerdict = "known" | "unknown" | "unreachable";

/** The product exists (created, listed or seen in D1): its SKU is answered from memory from now on. */
export function rememberSku(sku: string): void {
	known.use(sku, () => true);
	unknown.delete(sku);
}

export async function lookupSku(
	db: D1Database,
	sku: string,
	nowMs = Date.now(),
): Promise<SkuVerdict> {
	if (known.peek(sku) === true) return "known";
	const until = unknown.peek(sku);
	if (until !== undefined && nowMs < until) return "unknown";
	let row: unknown;
	try {
		row = await db.prepare("SELECT 1 AS found FROM products WHERE sku = ?").bind(sku).first();
	} catch (error) {
		if (error instanceof StorageUnavailable) return "unreachable";
		throw error;
	}
	if (row !== null) {
		rememberSku(sku);
		return "known";
	}
	unknown.delete(sku);
	unknown.use(sku, () => nowMs + CATALOGUE_NEGATIVE_TTL_MS);
	return "unknown";
}

/**
 * Writes the product's catalogue row now, so the edge knows the SKU before the
 * create is answered. False when D1 failed: the object's outbox writes the row
 * once D1 is back (inventory/projections.ts), and the create still stands.
 */
export async function recordInCatalogue(
	db: D1Database,
	product: { sku: string; name: string },
	listed: boolean,
): Promise<boolean> {
	rememberSku(product.sku);
	try {
		await db
			.prepare(INSERT_CATALOGUE_ROW)
			.bind(product.sku, product.name, new Date().toISOString(), listed ? 1 : 0)
			.run();
		return true;
	} catch (error) {
		if (error instanceof StorageUnavailable) {
			console.warn("catalogue row not written; the outbox will", error.message);
			return false;
		}
		throw error;
	}
}

/**
 * Refuses a SKU the catalogue does not have, or that is not a SKU at all, with
 * 404 `code` before anything reaches an object; lets it through otherwise.
 */
export async function requireKnownSku(
	c: Ctx,
	sku: string,
	code: "unknown_sku" | "not_found" = "unknown_sku",
	message?: string,
): Promise<void> {
	// The message is built only for a refusal: a reserve asks this on every attempt.
	const refuse = () =>
		new ApiError(code, message ?? `No product has the SKU ${JSON.stringify(sku)}.`);
	if (!SKU_PATTERN.test(sku)) throw refuse();
	// A known SKU is answered before the D1 binding is even read: reading it builds the request's
	// metered D1 wrapper (worker/cost/bindings.ts), work the hot path does not need.
	if (known.peek(sku) === true) return;
	if ((await lookupSku(c.env.DB, sku)) === "unknown") throw refuse();
}

/**
 * True when this isolate already knows the SKU exists: what requireKnownSku answers first,
 * without its promise (the reserve path skips the await, docs/hot-path.md, "Edge CPU of a
 * reserve and a sold-out answer").
 */
export function isKnownSku(sku: string): boolean {
	return known.peek(sku) === true && SKU_PATTERN.test(sku);
}
