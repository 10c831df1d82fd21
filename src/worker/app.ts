// The edge API: validate, authenticate, one RPC to the SKU's object, answer.

import { Hono } from "hono";
import { OBJECT_OVERLOADED } from "../inventory/call-gate.ts";
import { SCHEMA_TOO_NEW } from "../storage/do-migrations.ts";
import { costLedger } from "./cost/middleware.ts";
import type { Env } from "./env.ts";
import { ApiError, type AppEnv, fail, ok } from "./http.ts";
import { loadConfig } from "./middleware/config.ts";
import { rateLimits } from "./middleware/ratelimit.ts";
import { admin } from "./routes/admin.ts";
import { adminLimits } from "./routes/admin-limits.ts";
import { checkout } from "./routes/checkout.ts";
import { config } from "./routes/config.ts";
import { demo } from "./routes/demo.ts";
import { orders } from "./routes/orders.ts";
import { products } from "./routes/products.ts";
import { queue } from "./routes/queue.ts";
import { reservations } from "./routes/reservations.ts";
import { sessions } from "./routes/sessions.ts";
import { turnstileLocal } from "./routes/turnstile-local.ts";
import { guardStorage, STORAGE_RETRY_AFTER_SECONDS, StorageUnavailable } from "./storage-errors.ts";

/**
 * Request ids: a random prefix drawn once per isolate and a counter, so an id costs one
 * string concatenation (a clock read and a random draw per request showed in the CPU profile,
 * docs/hot-path.md "The edge's per-request cost"). Unique within an isolate by the counter, and
 * across isolates by the 48-bit prefix.
 */
const ID_PREFIX = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
let counter = 0;
function requestId(): string {
	counter += 1;
	return `${ID_PREFIX}-${counter.toString(36)}`;
}

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
// (docs/hot-path.md, "The edge's per-request cost"). In order: the request id and arrival time;
// the guarded environment; the configuration, parsed once per isolate, whose invalid form answers
// 503 naming the variable (middleware/config.ts); the cost ledger, which meters the request,
// answers meta.cost / meta.guardrail and refuses a session past DEMO_COST_LIMIT (cost/middleware.ts).
// Not async: a request whose session is known without I/O passes on to its route without a
// promise of this middleware's own (docs/hot-path.md, "What every request pays").
app.use("*", (c, next) => {
	c.set("requestId", c.req.header("cf-ray") ?? requestId());
	c.set("startedAtMs", Date.now());
	c.env = guardedEnv(c.env);
	const invalid = loadConfig(c);
	if (invalid !== null) return Promise.resolve(invalid);
	// A refusal (cost_limit) is the answer: Hono's chain makes a returned Response the response.
	return costLedger(c, next);
});

app.get("/healthz", (c) => ok(c, { status: "ok" }));
// Per-IP reads/writes and session creation (docs/rate-limits.md); the per-session reserve limit lives in the SKU object.
app.use("/api/*", rateLimits);
app.route("/api/sessions", sessions);
app.route("/api/products", queue);
app.route("/api/products", products);
app.route("/api/reservations", reservations);
app.route("/api/checkout", checkout);
app.route("/api/orders", orders);
app.route("/api/admin/limits", adminLimits);
app.route("/api/admin", admin);
app.route("/api/demo", demo);
app.route("/api/config", config);
// Local-only siteverify emulation (answers 404 unless ENVIRONMENT=local).
app.route("/__local/turnstile", turnstileLocal);

app.notFound((c) =>
	fail(c, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`),
);

/** A Durable Object whose storage is newer than this deploy refuses to open: retry once it is redeployed. */
const SCHEMA_TOO_NEW_RETRY_SECONDS = 30;
/** The simulated per-object limit queued a call too long (inventory/call-gate.ts): retry this soon. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

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
	// The simulated per-object limit (inventory/call-gate.ts, off by default) refused the call:
	// an overloaded object, as Cloudflare would answer it, so retry shortly.
	if (error instanceof Error && error.message.includes(OBJECT_OVERLOADED)) {
		return fail(c, "unavailable", "This product is busy; retry shortly.", {
			"Retry-After": String(OVERLOADED_RETRY_AFTER_SECONDS),
		});
	}
	// Anything else is a bug: docs/api.md promises that no input produces a 5xx.
	console.error("unexpected error", error);
	return fail(c, "internal_error");
});
