// The one response envelope of docs/api.md and the one mapping from error codes to
// HTTP statuses. Routes return values; this file turns them into responses.

import type { Context } from "hono";
import { API_SECURITY_HEADERS } from "../shared/api-security-headers.ts";
import type { Config } from "../shared/config.ts";
import type { ErrorCode, Meta } from "../shared/types.ts";
import type { Env } from "./env.ts";

export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		startedAtMs: number;
		/**
		 * The parsed configuration (middleware/config.ts): routes read this, never a raw var.
		 * Variables are read with c.get(): Hono's `c.var` copies them all into a new object on
		 * every access (docs/hot-path/edge-cost.md, "The edge's per-request cost").
		 */
		config: Config;
		session?: import("./middleware/auth.ts").Session;
		/** resolveSession's answer, so a request resolves its session once (middleware/auth.ts). */
		resolvedSession?: Awaited<ReturnType<typeof import("./middleware/auth.ts").resolveSession>>;
		/**
		 * The request's KV read of its session while it is in flight, so that every ask joins the
		 * one read (middleware/auth.ts readSession); cleared once it settles.
		 */
		sessionRead?: ReturnType<typeof import("./middleware/auth.ts").resolveSession>;
		/**
		 * Set when an optional ask stopped waiting for a slow session store: later optional asks of
		 * the request answer "no session" at once (middleware/auth.ts optionalSession).
		 */
		sessionSlow?: true;
		/** The request's usage meter and cost ledger answer (worker/cost). */
		cost?: import("./cost/meta.ts").CostState;
		/**
		 * A session past DEMO_COST_LIMIT on a route that reads a body: the refusal's sentence, answered
		 * once the body is found good (cost/middleware.ts refuseAfterBody), so bad input gets its 4xx.
		 */
		costRefusal?: string;
		/**
		 * What other middleware adds to every envelope's meta (the cost ledger sets
		 * meta.cost and meta.guardrail), so this file knows no middleware's internals.
		 */
		metaExtras?: () => Partial<Meta>;
	};
};
export type Ctx = Context<AppEnv>;

export const STATUS_OF: Record<ErrorCode, number> = {
	invalid_request: 400,
	unauthorized: 401,
	payment_declined: 402,
	turnstile_failed: 403,
	purchase_limit: 403,
	forbidden: 403,
	not_found: 404,
	unknown_sku: 404,
	sold_out: 409,
	not_started: 409,
	invalid_state: 409,
	already_exists: 409,
	reservation_expired: 410,
	payload_too_large: 413,
	unsupported_media_type: 415,
	rate_limited: 429,
	queued: 429,
	hold_cooldown: 429,
	unavailable: 503,
	cost_limit: 503,
	internal_error: 500,
};

export const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
	invalid_request: "The request is not valid.",
	unauthorized: "A valid session token is required.",
	payment_declined: "The payment was declined.",
	turnstile_failed: "The bot check failed.",
	purchase_limit: "This session already holds or bought as many units as a buyer may.",
	forbidden: "Not allowed.",
	not_found: "Not found.",
	unknown_sku: "No product has that SKU.",
	sold_out: "Sold out: fewer units are available than requested.",
	not_started: "The drop has not started yet.",
	invalid_state: "The resource is not in a state that allows this.",
	already_exists: "It already exists.",
	reservation_expired: "The reservation has expired and its units went back to stock.",
	payload_too_large: "The request body is over 16 KiB.",
	unsupported_media_type: "The request body must be JSON (Content-Type: application/json).",
	rate_limited: "Too many requests; retry after the time in Retry-After.",
	queued: "This product has a waiting room: join the queue and reserve once admitted.",
	hold_cooldown:
		"This session's hold on this product ended unpaid a moment ago; it may reserve it again after the time in Retry-After.",
	unavailable: "The service is unavailable; retry shortly.",
	cost_limit: "The demo cost limit for this session has been reached.",
	internal_error: "An unexpected error occurred.",
};

/** An expected failure raised from deep inside a route (body parsing, auth). */
export class ApiError extends Error {
	constructor(
		readonly code: ErrorCode,
		message?: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message ?? DEFAULT_MESSAGE[code]);
	}
}

/** The one place every JSON envelope's meta is built: cost and guardrail included, success or error. */
export function meta(c: Ctx): Meta {
	return {
		requestId: c.get("requestId"),
		latencyMs: Date.now() - c.get("startedAtMs"),
		...c.get("metaExtras")?.(),
	};
}

// On every answer of the API (src/shared/api-security-headers.ts).
export { API_SECURITY_HEADERS };

/**
 * What `c.json` sends as its type, with the security headers: one object for every answer, never
 * changed (a Response copies from it), so no answer spreads a headers object of its own.
 */
const JSON_HEADERS = { "Content-Type": "application/json", ...API_SECURITY_HEADERS } as const;

/**
 * A JSON answer with JSON_HEADERS, as `c.json` answers (the same text, status and type).
 * `merge`: headers were set on the context (`c.header`, which only `fail` calls, just before), and
 * Hono's `c.body` merges them. Otherwise the Response is made here: given a headers object of more
 * than one entry, Hono builds a `Headers` and sets each entry into it, which cost a hello about
 * 6 µs of workerd's CPU (cli/answer-probe.ts against the answers before these headers); passed as
 * it is, the runtime reads the object once, and the two headers cost a hello about 1.5 µs
 * (docs/decisions/165-security-headers.md, "What the API's headers cost").
 */
function jsonAnswer(c: Ctx, text: string, status: number, merge: boolean): Response {
	if (merge) return c.body(text, status as 200, JSON_HEADERS);
	return new Response(text, { status, headers: JSON_HEADERS });
}

export function ok<T>(c: Ctx, data: T, status: 200 | 201 = 200): Response {
	return jsonAnswer(c, JSON.stringify({ data, meta: meta(c) }), status, false);
}

/**
 * An error envelope's bytes before its meta, per code with the code's default message: the same
 * text `JSON.stringify` gives the envelope's first member, built once per isolate instead of once
 * per answer. A sold-out answer is most of a drop's traffic, and its envelope was a sixth of its
 * CPU (docs/hot-path/sold-out.md, "The sold-out answer's own cost"; byte equality in
 * test/integration/error-envelope.test.ts).
 */
const DEFAULT_ERROR_HEAD = Object.fromEntries(
	(Object.keys(DEFAULT_MESSAGE) as ErrorCode[]).map((code) => [
		code,
		errorHead(code, DEFAULT_MESSAGE[code]),
	]),
) as Record<ErrorCode, string>;

function errorHead(code: ErrorCode, message: string): string {
	return `{"error":${JSON.stringify({ code, message })},"meta":`;
}

/**
 * `fields` extend `error` beside code and message (e.g. a 402's `payment`). The body is the text
 * of `JSON.stringify({ error: { code, message, ...fields }, meta })`, sent as `ok` sends it;
 * without fields it is put together from the code's head and the serialized meta.
 */
export function fail(
	c: Ctx,
	code: ErrorCode,
	message?: string,
	headers?: Record<string, string>,
	fields?: Record<string, unknown>,
): Response {
	const status = STATUS_OF[code] as 400;
	const merge = headers !== undefined;
	if (merge) for (const k in headers) c.header(k, headers[k]);
	if (fields !== undefined) {
		const envelope = {
			error: { code, message: message ?? DEFAULT_MESSAGE[code], ...fields },
			meta: meta(c),
		};
		return jsonAnswer(c, JSON.stringify(envelope), status, merge);
	}
	const head = message === undefined ? DEFAULT_ERROR_HEAD[code] : errorHead(code, message);
	return jsonAnswer(c, `${head}${JSON.stringify(meta(c))}}`, status, merge);
}
