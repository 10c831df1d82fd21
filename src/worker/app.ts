// The edge API: validate, authenticate, one RPC to the SKU's object, answer.

import { Hono, type Next } from "hono";
import { SCHEMA_TOO_NEW } from "../storage/do-migrations.ts";
import { costLedger } from "./cost/middleware.ts";
import type { Env } from "./env.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "./http.ts";
import { loadConfig } from "./middleware/config.ts";
import { notThroughFront } from "./middleware/dev-front.ts";
import { foreignHostRefusal } from "./middleware/local-host.ts";
import { rateLimits } from "./middleware/ratelimit.ts";
import { requestIdOf } from "./request-id.ts";
import { admin } from "./routes/admin.ts";
import { adminLimits } from "./routes/admin-limits.ts";
import { checkout } from "./routes/checkout.ts";
import { config } from "./routes/config.ts";
import { demo } from "./routes/demo.ts";
import { live } from "./routes/live.ts";
import { orders } from "./routes/orders.ts";
import { products } from "./routes/products.ts";
import { queue } from "./routes/queue.ts";
import { queueTrail } from "./routes/queue-trail.ts";
import { reservations } from "./routes/reservations.ts";
import { sessionHolds } from "./routes/session-holds.ts";
import { sessions } from "./routes/sessions.ts";
import { turnstileLocal } from "./routes/turnstile-local.ts";
import {
	guardStorage,
	objectStorageFailed,
	STORAGE_RETRY_AFTER_SECONDS,
	StorageUnavailable,
} from "./storage-errors.ts";

/**
 * The environment every route sees, per raw environment object: D1 and KV failures become 503
 * `unavailable` (worker/storage-errors.ts). workerd hands an isolate the same `env` on every
 * request, so the wrapping is done once per isolate, and the configuration parsed for the
 * wrapped object (middleware/config.ts, cached by object identity) stays parsed. Wrapping per
 * request gave every request a new object, and so a full configuration parse each time.
 */
const guardedEnvs = new WeakMap<Env, Env>();
function guardedEnv(env: Env): Env {
	let guarded = guardedEnvs.get(env);
	if (guarded === undefined) {
		guarded = guardStorage(env);
		guardedEnvs.set(env, guarded);
	}
	return guarded;
}

export const app = new Hono<AppEnv>();

// The edge's context, first on every request, as one middleware rather than three: each step
// of Hono's middleware chain costs a dispatch closure and a promise, which a hello pays in full
// (docs/hot-path/edge-cost.md, "The edge's per-request cost"). In order: the request id and arrival time;
// the guarded environment; the configuration, parsed once per isolate, whose invalid form answers
// 503 naming the variable (middleware/config.ts); under `npm run dev`, a request its loopback front
// did not forward refused 403 (middleware/dev-front.ts); with ENVIRONMENT=local, a host that is
// not this machine's refused 403 (middleware/local-host.ts); the cost ledger, which meters the request,
// answers meta.cost / meta.guardrail and refuses a session past DEMO_COST_LIMIT (cost/middleware.ts).
// Not async: a request whose session is known without I/O passes on to its route without a
// promise of this middleware's own (docs/hot-path/edge-cost.md, "What every request pays").
app.use("*", (c, next) => {
	c.set("requestId", requestIdOf(c.req.header("cf-ray")));
	c.set("startedAtMs", Date.now());
	c.env = guardedEnv(c.env);
	const invalid = loadConfig(c);
	if (invalid !== null) return Promise.resolve(invalid);
	// Under `npm run dev` only: a request that did not come through its loopback front is refused
	// (middleware/dev-front.ts). Elsewhere one comparison with null.
	const frontSecret = c.get("config").devFrontSecret;
	if (frontSecret !== null)
		return notThroughFront(c, frontSecret).then((refused) => refused ?? hostAndLedger(c, next));
	return hostAndLedger(c, next);
});

/** The rest of the edge's first middleware: the local host check, then the cost ledger. */
function hostAndLedger(c: Ctx, next: Next): Promise<Response | undefined> {
	const foreign = foreignHostRefusal(c, c.get("config"));
	if (foreign !== null) return Promise.resolve(foreign);
	// A refusal (cost_limit) is the answer: Hono's chain makes a returned Response the response.
	return costLedger(c, next);
}

app.get("/healthz", (c) => ok(c, { status: "ok" }));
// Per-IP reads/writes and session creation (docs/rate-limits.md); the per-session reserve limit lives in the SKU object.
app.use("/api/*", rateLimits);
app.route("/api/sessions", sessions);
app.route("/api/products", queue);
app.route("/api/products", queueTrail);
app.route("/api/products", live);
app.route("/api/products", products);
app.route("/api/products", sessionHolds);
app.route("/api/reservations", reservations);
app.route("/api/checkout", checkout);
app.route("/api/orders", orders);
app.route("/api/admin/limits", adminLimits);
app.route("/api/admin", admin);
app.route("/api/demo", demo);
app.route("/api/config", config);
// Local-only siteverify emulation (answers 404 unless ENVIRONMENT=local).
app.route("/__local/turnstile", turnstileLocal);

/** The longest path a 404's message repeats: a path may be any length, an answer should not. */
const MAX_PATH_QUOTED = 200;

app.notFound((c) => {
	const path = new URL(c.req.url).pathname;
	const shown = path.length > MAX_PATH_QUOTED ? `${path.slice(0, MAX_PATH_QUOTED)}…` : path;
	return fail(c, "not_found", `No route for ${c.req.method} ${shown}.`);
});

/** A Durable Object whose storage is newer than this deploy refuses to open: retry once it is redeployed. */
const SCHEMA_TOO_NEW_RETRY_SECONDS = 30;
/**
 * A Durable Object was overloaded (too many requests queued: a flash sale's peak on one SKU,
 * or the simulated limit of inventory/call-gate.ts) or is restarting, moving or being reset
 * by a deploy: retry this soon.
 */
const OBJECT_RETRY_AFTER_SECONDS = 1;

/**
 * Cloudflare marks the errors a Durable Object stub raises when the object is overloaded
 * (`overloaded`) or when the call may simply be retried (`retryable`: the object restarted,
 * moved, was reset by a new deploy, the connection was lost)
 * (developers.cloudflare.com/durable-objects/best-practices/error-handling). The simulated limit
 * sets `overloaded` too (inventory/call-gate.ts), and workerd's RPC carries the property to
 * this side (test/integration/object-overload.test.ts), so one branch serves both.
 */
function objectBusy(error: unknown): "overloaded" | "retryable" | null {
	if (!(error instanceof Error)) return null;
	const marks = error as { overloaded?: unknown; retryable?: unknown };
	if (marks.overloaded === true) return "overloaded";
	if (marks.retryable === true) return "retryable";
	return null;
}

app.onError((error, c) => {
	if (error instanceof ApiError) return fail(c, error.code, error.message, error.headers);
	if (error instanceof StorageUnavailable) {
		console.warn("storage unavailable", error.message);
		const what = error.binding === "D1" ? "The database" : "The session store";
		return fail(c, "unavailable", `${what} is unavailable; retry shortly.`, {
			"Retry-After": String(STORAGE_RETRY_AFTER_SECONDS),
		});
	}
	// Storage migrated by a newer deploy, then rolled back (storage/do-migrations.ts):
	// the object refuses to run rather than misread it; the message crosses the RPC.
	if (error instanceof Error && error.message.includes(SCHEMA_TOO_NEW)) {
		console.error("durable object refused its storage", error.message);
		return fail(c, "unavailable", "This part of the service is being upgraded; retry shortly.", {
			"Retry-After": String(SCHEMA_TOO_NEW_RETRY_SECONDS),
		});
	}
	// The SKU's object is overloaded or restarting: the contract's "retry later", not a bug.
	const busy = objectBusy(error);
	if (busy !== null) {
		// Overload comes in bursts at a peak (and from the bench's simulated limit): not logged
		// per request; a restart is rare and worth a line.
		if (busy === "retryable") console.warn("durable object retryable", (error as Error).message);
		const message =
			busy === "overloaded"
				? "This product is busy; retry shortly."
				: "This product is briefly unavailable; retry shortly.";
		return fail(c, "unavailable", message, {
			"Retry-After": String(OBJECT_RETRY_AFTER_SECONDS),
		});
	}
	// The SKU object's own storage failed (its disk full): an outage (storage-errors.ts says what was kept).
	if (objectStorageFailed(error)) {
		console.error("durable object storage failed", (error as Error).message);
		return fail(c, "unavailable", "This product's storage is failing; retry shortly.", {
			"Retry-After": String(STORAGE_RETRY_AFTER_SECONDS),
		});
	}
	// Anything else is a bug: docs/api.md promises that no input produces a 5xx.
	console.error("unexpected error", error);
	return fail(c, "internal_error");
});
