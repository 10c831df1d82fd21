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
// of a real product (docs/decisions/007-cold-path-d1-outages.md). A slow D1 is
// treated the same after CATALOGUE_LOOKUP_WAIT_MS, not after D1's whole deadline
// (docs/decisions/103-a-slow-database.md).

import { SKU_PATTERN } from "../domain/bounds.ts";
import { BoundedMap } from "../domain/rate-counters.ts";
import { INSERT_CATALOGUE_ROW } from "../inventory/projections.ts";
import { quoted } from "../shared/quoted.ts";
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

/**
 * How long a request waits for D1's answer to "does this SKU exist?" before letting the SKU
 * through to its object, as when D1 fails. The check is on the hot path of a SKU this isolate has
 * not seen yet (a reserve's included), which must not pay D1's whole deadline (D1_DEADLINE_MS,
 * domain/bounds.ts); the read is one indexed row, answered far sooner whenever D1 works. As the
 * session store's optional wait (middleware/auth.ts OPTIONAL_SESSION_WAIT_MS).
 */
export const CATALOGUE_LOOKUP_WAIT_MS = 500;
/** Catalogue reads one isolate has in flight at once; past it a SKU goes to its object unasked. */
export const MAX_CATALOGUE_READS = 1_000;

/** "unreachable": D1 could not answer, or not in time; the caller lets the object decide. */
export type SkuVerdict = "known" | "unknown" | "unreachable";

/**
 * Catalogue reads in flight: how many, and by SKU. Only counts are shared between requests, never
 * a read's promise: a promise resolved in one request's context and awaited in another's is not
 * safe in a Worker isolate (it logs "resolved from a different request context" and can cancel
 * the waiter's continuation), so each request waits only for a read it started itself.
 */
let inFlight = 0;
const readingSkus = new Map<string, number>();
/**
 * Reads in flight that a lookup already stopped waiting for. While there is one, D1 is slow, and
 * a lookup does not wait for a read: the SKU goes to its object at once, and a read of it (one at
 * a time per SKU) fills this isolate's memory for the next request.
 */
let slowReads = 0;

/** A read this request started; `slow` once it stopped waiting for it. */
interface CatalogueRead {
	verdict: Promise<SkuVerdict>;
	slow: boolean;
}

function startRead(db: D1Database, sku: string, nowMs: number): CatalogueRead {
	inFlight += 1;
	readingSkus.set(sku, (readingSkus.get(sku) ?? 0) + 1);
	const read: CatalogueRead = { verdict: readCatalogue(db, sku, nowMs), slow: false };
	const forget = () => {
		inFlight -= 1;
		const left = (readingSkus.get(sku) ?? 1) - 1;
		if (left === 0) readingSkus.delete(sku);
		else readingSkus.set(sku, left);
		if (read.slow) slowReads -= 1;
	};
	read.verdict.then(forget, forget);
	return read;
}

/** The product exists (created, listed or seen in D1): its SKU is answered from memory from now on. */
export function rememberSku(sku: string): void {
	known.use(sku, () => true);
	unknown.delete(sku);
}

/**
 * Whether D1's catalogue has `sku`, from this isolate's memory when it can. D1's answer is waited
 * for at most CATALOGUE_LOOKUP_WAIT_MS ("unreachable" then, as when it fails); the read goes on
 * (bounded by D1_DEADLINE_MS, handed to `keep` to outlive the request) and its late answer is
 * remembered as a timely one is.
 */
export async function lookupSku(
	db: D1Database,
	sku: string,
	nowMs = Date.now(),
	keep?: (read: Promise<unknown>) => void,
): Promise<SkuVerdict> {
	if (known.peek(sku) === true) return "known";
	const until = unknown.peek(sku);
	if (until !== undefined && nowMs < until) return "unknown";
	if (slowReads > 0 || inFlight >= MAX_CATALOGUE_READS) {
		// D1 is slow, or this isolate has too many reads out: the object decides at once. A SKU not
		// being read yet is read in the background, so its answer is remembered.
		if (!readingSkus.has(sku) && inFlight < MAX_CATALOGUE_READS) {
			keep?.(startRead(db, sku, nowMs).verdict);
		}
		return "unreachable";
	}
	const read = startRead(db, sku, nowMs);
	let timer: ReturnType<typeof setTimeout> | undefined;
	const patience = new Promise<"slow">((resolve) => {
		timer = setTimeout(() => resolve("slow"), CATALOGUE_LOOKUP_WAIT_MS);
	});
	const answer = await Promise.race([read.verdict, patience]).finally(() => clearTimeout(timer));
	if (answer !== "slow") return answer;
	read.slow = true;
	slowReads += 1;
	keep?.(read.verdict);
	return "unreachable";
}

/** D1's answer for `sku`, remembered either way; "unreachable" when D1 failed or passed its deadline. */
async function readCatalogue(db: D1Database, sku: string, nowMs: number): Promise<SkuVerdict> {
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
	// Not a SKU at all: its message quotes it cut short, since a path may be any length.
	if (!SKU_PATTERN.test(sku)) {
		throw new ApiError(
			code,
			message ?? `No product has the SKU ${quoted(sku)}: a SKU is 1–64 of A-Z a-z 0-9 . _ -.`,
		);
	}
	// A known SKU is answered before the D1 binding is even read: reading it builds the request's
	// metered D1 wrapper (worker/cost/bindings.ts), work the hot path does not need.
	if (known.peek(sku) === true) return;
	if ((await lookupSku(c.env.DB, sku, Date.now(), (read) => keepAlive(c, read))) === "unknown") {
		throw refuse();
	}
}

/** Lets a catalogue read finish after the response: its late answer fills this isolate's memory. */
function keepAlive(c: Ctx, read: Promise<unknown>): void {
	try {
		c.executionCtx.waitUntil(read.catch(() => undefined));
	} catch {
		// No execution context (a direct app.fetch call without one): the read still runs.
	}
}

/**
 * True when this isolate already knows the SKU exists: what requireKnownSku answers first,
 * without its promise (the reserve path skips the await, docs/hot-path/edge-cost.md, "Edge CPU of a
 * reserve and a sold-out answer").
 */
export function isKnownSku(sku: string): boolean {
	return known.peek(sku) === true && SKU_PATTERN.test(sku);
}
