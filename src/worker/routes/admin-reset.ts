// The operator's reset (docs/api.md, Operator). Without an `Idempotency-Key` it is what it always
// was: the per-address limit, then the SKU's object resets. With one
// (docs/decisions/081-reset-idempotency-key.md):
//   1. the SKU's object is asked for a reset already done under the key: its answer is answered
//      again, before the limit and without counting in it (a repeat resets nothing);
//   2. a new key is claimed in the registry (worker/reset-keys-object.ts), which refuses it when it
//      was first sent for another SKU or with another body;
//   3. the limit, then the object's reset under the key, which it does at most once and records in
//      its `inventory.reset` event.

import { Hono, type MiddlewareHandler } from "hono";
import { sha256Hex } from "../../shared/digest.ts";
import type { Product } from "../../shared/types.ts";
import { readBodyText, refuseLargeBody } from "../body.ts";
import { requireKnownSku } from "../catalogue.ts";
import { unlessSlow } from "../d1-budget.ts";
import { forgetSnapshot } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { idempotencyKey } from "../idempotency.ts";
import { inventory } from "../inventory-stub.ts";
import { resetRateLimit } from "../middleware/limiter-limits.ts";
import { REGISTRY_NAME } from "../reset-keys-object.ts";

export const adminReset = new Hono<AppEnv>();

/** Unknown SKUs are refused before the reset limiter, which would tally the refusal to the SKU's object. */
const knownSku: MiddlewareHandler<AppEnv> = async (c, next) => {
	await requireKnownSku(c, c.req.param("sku") ?? "");
	await next();
};

adminReset.post("/products/:sku/reset", knownSku, async (c) => {
	const sku = c.req.param("sku");
	const stub = inventory(c.env, sku);
	const key = idempotencyKey(c);
	if (key === null) {
		// It reads no body, but one over the bound is 413 here too (docs/api.md's status table).
		await refuseLargeBody(c);
		return limited(c, async () => {
			const result = await stub.reset().catch(owedSaid(false));
			return result.ok ? answer(c, sku, result.product) : fail(c, "unknown_sku");
		});
	}
	// The body carries no fields, but a repeat must be the same request (as a checkout's key).
	const fingerprint = await sha256Hex((await readBodyText(c)).trim());
	const done = await stub.reset({ key, fingerprint, replayOnly: true }).catch(owedSaid(true));
	if (done.ok) return answer(c, sku, done.product);
	if (done.code === "key_reused") throw keyReused("for a reset with another body");
	if (done.code !== "not_done") return fail(c, "unknown_sku");
	const registry = c.env.RESET_KEYS.get(c.env.RESET_KEYS.idFromName(REGISTRY_NAME));
	const claim = await registry.claim(key, sku, fingerprint);
	if (!claim.ok) {
		// The registry holds a key from its first request, before the limit: the first SKU's reset
		// may have been refused (429), so the sentence does not say it was made.
		throw keyReused(
			claim.reason === "other_sku"
				? `for another SKU (${claim.sku}): a key belongs to the SKU it was first sent to reset, whether that reset was made or refused`
				: "for a reset with another body",
		);
	}
	return limited(c, async () => {
		const result = await stub.reset({ key, fingerprint, replayOnly: false }).catch(owedSaid(true));
		if (result.ok) return answer(c, sku, result.product);
		if (result.code === "key_reused") throw keyReused("for a reset with another body");
		return fail(c, "unknown_sku");
	});
});

/** Seconds after which the coordinator's alarm has asked the shards again (ESCROW_RETRY_MS, 1 s). */
const OWED_RETRY_AFTER_SECONDS = 1;

/**
 * A split SKU's reset that some shard has not done yet (decision 124) is made and owed: the SKU's
 * object finishes it by itself. Its 503 says so and what to do, since "retry shortly" would send
 * an unkeyed operator into a new reset and the one-a-minute limit
 * (docs/decisions/134-an-owed-reset-keeps-the-new-drops-holds.md).
 */
function owedSaid(keyed: boolean): (error: unknown) => never {
	return (error) => {
		if ((error as { resetOwed?: unknown } | null)?.resetOwed !== true) throw error;
		const next = keyed
			? "repeat it with the same Idempotency-Key to learn its outcome."
			: "do not send it again: without an Idempotency-Key a repeat is a new reset, limited to one a minute. Read the product to see it finished.";
		throw new ApiError(
			"unavailable",
			`The reset is made, and some of the SKU's shards have yet to do it; they do it by themselves within seconds: ${next}`,
			{ "Retry-After": String(OWED_RETRY_AFTER_SECONDS) },
		);
	};
}

/** `what`: what the key was first used for. */
function keyReused(what: string): ApiError {
	return new ApiError(
		"invalid_request",
		`Idempotency-Key was already used ${what}; send a new key for a new reset.`,
	);
}

/** `run` behind the per-address reset limit: its answer, or the limit's 429. */
async function limited(c: Ctx, run: () => Promise<Response>): Promise<Response> {
	let response: Response | undefined;
	const refused = await resetRateLimit(c, async () => {
		response = await run();
	});
	if (refused instanceof Response) return refused;
	if (response === undefined)
		throw new Error("the reset limiter neither refused nor ran the reset");
	return response;
}

async function answer(c: Ctx, sku: string, product: Product): Promise<Response> {
	forgetSnapshot(sku);
	// Eventual mode's allocations restart with the drop: the reset event's projection
	// (inventory/projections.ts), applied now when D1 answers, else once it is back. Optional to
	// the answer (eventual mode refuses with 503 until it lands, docs/api.md): waited for
	// OPTIONAL_D1_WAIT_MS, then it goes on after the answer (d1-budget.ts unlessSlow).
	await unlessSlow(c, inventory(c.env, sku).flushEvents(), false);
	return ok(c, product);
}
