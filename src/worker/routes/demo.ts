// The per-session demo sandbox (docs/demo.md): a private SKU of 100 units for the
// presenter's session, so two presenters never disturb each other's drop.
//
// - POST /api/demo/sandbox        creates it (201) or returns the same one (200), and sets its
//   end: when the session ends, its grace included, the sandbox is reset and its D1 rows go
//   (inventory/sandbox-end.ts).
// - GET  /api/demo/sandbox        returns it, 404 before it was created.
// - POST /api/demo/sandbox/reset  clears the holds that are not paid, the
//   counters and eventual mode's allocations, and keeps paid orders
//   (docs/decisions/001-reset-keeps-paid-orders.md); under the operator reset's
//   limit, one a minute per client IP (429 + Retry-After); a reset that finds no
//   sandbox is 404 and spends nothing.
// - GET  /api/demo/guardrail       the session's guardrail, as meta.guardrail says it.
// - POST /api/demo/guardrail       {"thresholdUsd"}: the session's own threshold,
//   within shared/demo-guardrail.ts's bounds; re-arms it.
// - POST /api/demo/guardrail/trip  trips it now (the presenter's fallback, docs/decisions/002-demo-guardrail.md).
//
// Ownership: the SKU is derived from the session id, and these routes only
// ever address the caller's own sandbox, so only its owner can reset it.
// Anyone who knows the SKU may reserve on it through /api/reservations, like
// any product: a presenter can bring the audience's phones into the drop.
// Sandboxes are not listed in GET /api/products: their catalogue row says
// `listed = 0` (the edge still knows them, worker/catalogue.ts).

import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import {
	DEMO_GUARDRAIL_DEFAULT_USD,
	DEMO_GUARDRAIL_MAX_USD,
	DEMO_GUARDRAIL_MIN_USD,
} from "../../shared/demo-guardrail.ts";
import { SESSION_GRACE_SECONDS } from "../../shared/sessions.ts";
import type { Guardrail } from "../../shared/types.ts";
import { bodyWithinBound, parseBody } from "../body.ts";
import { recordInCatalogue } from "../catalogue.ts";
import { adoptGuardrail, entryFor } from "../cost/ledger.ts";
import { type GuardrailChange, ledgerGroupName } from "../cost/ledger-groups.ts";
import { costMeta, costState, deferTo } from "../cost/meta.ts";
import { unlessSlow } from "../d1-budget.ts";
import { forgetSnapshot } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";
import { sandboxResetRateLimit } from "../middleware/limiter-limits.ts";
import { SANDBOX_STOCK, sandboxSku } from "../sandbox.ts";

async function ownSku(c: Ctx): Promise<string> {
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	return sandboxSku(session.sessionId);
}

/** When the caller's sandbox ends: its session's end plus the grace its holds may outlive it by. */
function sandboxEndMs(c: Ctx): number {
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	return Date.parse(session.expiresAt) + SESSION_GRACE_SECONDS * 1000;
}

export const demo = new Hono<AppEnv>();
demo.use("*", requireSession);

demo.post("/sandbox", bodyWithinBound, async (c) => {
	const sku = await ownSku(c);
	const stub = inventory(c.env, sku);
	const created = await stub.create({
		sku,
		name: "Demo sandbox",
		priceCents: 18_000,
		currency: "USD",
		totalStock: SANDBOX_STOCK,
		holdSeconds: c.get("config").holdSeconds,
		// One presenter can drain it alone in safe mode, which is the point of the demo.
		perUserLimit: SANDBOX_STOCK,
		startsAtMs: null,
		listed: false,
	});
	// Idempotent per session: the sandbox already exists, answer it as it is now.
	const product = created.ok ? created.product : await stub.product();
	if (product === null) throw new Error("the sandbox object refused create but has no product");
	// The sandbox ends when this session does, its grace included, and is reset then with its D1
	// rows (inventory/sandbox-end.ts); each call moves the end to the session's end as it now is.
	await stub.endSandboxAt(sandboxEndMs(c));
	// Every time, not only on create: a sandbox made before the catalogue knew sandboxes gets its row.
	// Waited for OPTIONAL_D1_WAIT_MS at most: a slow write goes on after the answer (d1-budget.ts).
	await unlessSlow(c, recordInCatalogue(c.env.DB, product, false), false);
	return ok(c, product, created.ok && created.replayed !== true ? 201 : 200);
});

demo.get("/sandbox", async (c) => {
	const product = await inventory(c.env, await ownSku(c)).product();
	if (product === null)
		return fail(c, "not_found", "This session has no sandbox yet: POST /api/demo/sandbox.");
	return ok(c, product);
});

const NO_SANDBOX = "This session has no sandbox yet: POST /api/demo/sandbox.";

// A reset that would find no sandbox changes nothing, so it is answered before the limiter and
// does not spend the one reset a minute (decision 119). One object read, on a rate-limited route.
const sandboxExists: MiddlewareHandler<AppEnv> = async (c, next) => {
	if ((await inventory(c.env, await ownSku(c)).product()) === null)
		return fail(c, "not_found", NO_SANDBOX);
	await next();
	return undefined;
};

// The operator reset's own limiter (middleware/ratelimit.ts, docs/rate-limits.md): one
// reset a minute per client IP, exact across isolates, off with RATE_LIMITS=off.
demo.post("/sandbox/reset", bodyWithinBound, sandboxExists, sandboxResetRateLimit, async (c) => {
	const sku = await ownSku(c);
	const stub = inventory(c.env, sku);
	const result = await stub.reset();
	forgetSnapshot(sku);
	if (!result.ok) return fail(c, "not_found", NO_SANDBOX);
	// Eventual mode's allocations: the reset event's projection, now when D1 answers (inventory/projections.ts);
	// optional to the answer, as the operator's reset's (routes/admin-reset.ts).
	await unlessSlow(c, stub.flushEvents(), false);
	return ok(c, result.product);
});

const GuardrailBody = z.object({
	thresholdUsd: z
		.number()
		.min(DEMO_GUARDRAIL_MIN_USD, `must be at least ${DEMO_GUARDRAIL_MIN_USD} USD`)
		.max(DEMO_GUARDRAIL_MAX_USD, `must be at most ${DEMO_GUARDRAIL_MAX_USD} USD`),
});

/**
 * Stores the change in the session's ledger group (one object request and one
 * row, charged to this request like any other), then answers the guardrail as
 * this very response's meta.guardrail reports it.
 */
async function changeGuardrail(c: Ctx, change: GuardrailChange): Promise<Guardrail> {
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	const ns = c.env.LEDGER_GROUP;
	if (ns === undefined) throw new ApiError("unavailable", "No cost ledger is bound here.");
	const usage = costState(c).usage;
	usage.doRequests += 1;
	usage.doRowsWritten += 1;
	const startedMs = Date.now();
	const entry = entryFor(c.env, session.sessionId, usage, deferTo(c));
	const total = await ns
		.get(ns.idFromName(ledgerGroupName(entry.group)))
		.changeGuardrail(session.sessionId, change, DEMO_GUARDRAIL_DEFAULT_USD);
	usage.doWallMs += Date.now() - startedMs;
	adoptGuardrail(entry, total);
	return costMeta(c).guardrail;
}

demo.get("/guardrail", (c) => ok(c, costMeta(c).guardrail));

demo.post("/guardrail", async (c) => {
	const body = await parseBody(c, GuardrailBody);
	return ok(c, await changeGuardrail(c, { thresholdUsd: body.thresholdUsd }));
});

demo.post("/guardrail/trip", bodyWithinBound, async (c) =>
	ok(c, await changeGuardrail(c, { trip: true })),
);
