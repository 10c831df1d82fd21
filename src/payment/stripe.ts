// Stripe adapter: PaymentIntents created and confirmed in one call, over plain
// `fetch` so it runs inside a Durable Object. Request and response shapes follow
// https://docs.stripe.com/api/payment_intents/create, /api/payment_intents/retrieve and
// /api/refunds/create.
//
// Mapping rule: a response that proves nothing was captured is `error` or
// `declined`; anything that leaves the capture in doubt (abort, network failure,
// 5xx, 409 key-in-use, 429) is `unknown`, and the caller retries with the same
// Idempotency-Key — Stripe then replays the first result instead of charging again.
// A replay can only repeat the first answer (https://docs.stripe.com/idempotency: "Retries
// with the same key return the saved response, including 500 errors"), so an answer that names
// a PaymentIntent not yet settled (`processing`) is read again by id, and a saved 500 is
// reported as `final`: asking again cannot learn more
// (docs/decisions/071-stripe-in-doubt-answers.md).

import {
	type CallOptions,
	type ChargeOutcome,
	type ChargeRequest,
	type LookupOutcome,
	type PaymentProvider,
	type RefundOutcome,
	resolveTimeoutMs,
	validateChargeRequest,
	validateId,
	validateIdempotencyKey,
} from "./provider";
import { stripeAmountProblem } from "./stripe-amounts.ts";

export const DEFAULT_STRIPE_API_BASE = "https://api.stripe.com";

export interface StripeProviderOptions {
	secretKey: string;
	/** Override for tests (a local stub) or a proxy. */
	apiBase?: string;
	/** Pins `Stripe-Version`; without it the account's default version applies. */
	apiVersion?: string;
	/** Defaults to the global fetch; bound here because workerd rejects an unbound call. */
	fetch?: typeof fetch;
}

/** One provider call's time, shared by its requests (a charge and the read of its intent). */
interface Deadline {
	atMs: number;
	/** The call's whole timeout, as a timeout is reported. */
	timeoutMs: number;
}

function deadlineOf(opts: CallOptions | undefined): Deadline {
	const timeoutMs = resolveTimeoutMs(opts?.timeoutMs);
	return { atMs: Date.now() + timeoutMs, timeoutMs };
}

type HttpResult =
	/** `replayed`: Stripe answered from what it saved under the Idempotency-Key (its
	 * `Idempotent-Replayed: true` header), not by running the request now. */
	| { kind: "response"; status: number; body: unknown; replayed: boolean }
	| { kind: "unreachable"; reason: string };

// PaymentIntent statuses after a confirm that prove the money was not taken.
const NOT_CAPTURED_STATUSES = new Set([
	"requires_payment_method",
	"requires_confirmation",
	// With allow_redirects=never a card that needs 3-D Secure stops here; we cannot
	// involve the buyer from the server, so the charge is over.
	"requires_action",
	"canceled",
]);
// Refund statuses that mean the refund was accepted (pending completes on its own).
const REFUND_ACCEPTED_STATUSES = new Set(["succeeded", "pending"]);
const REFUND_FAILED_STATUSES = new Set(["failed", "canceled"]);

export class StripeProvider implements PaymentProvider {
	readonly name = "stripe";
	private readonly secretKey: string;
	private readonly apiBase: string;
	private readonly apiVersion: string | undefined;
	private readonly fetchFn: typeof fetch;

	constructor(options: StripeProviderOptions) {
		if (options.secretKey.length === 0) throw new Error("StripeProvider needs a secret key");
		this.secretKey = options.secretKey;
		this.apiBase = (options.apiBase ?? DEFAULT_STRIPE_API_BASE).replace(/\/+$/, "");
		this.apiVersion = options.apiVersion;
		this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
	}

	async charge(req: ChargeRequest, opts?: CallOptions): Promise<ChargeOutcome> {
		const problem = validateChargeRequest(req);
		if (problem !== null) return { kind: "error", reason: problem };
		const deadline = deadlineOf(opts);
		const result = await this.send(
			"POST",
			"/v1/payment_intents",
			chargeForm(req),
			req.idempotencyKey,
			deadline,
		);
		if (result.kind === "unreachable") return { kind: "unknown", reason: result.reason };
		const outcome = mapChargeResponse(result.status, result.body);
		if (outcome.kind !== "unknown") return outcome;
		// A PaymentIntent that has not settled: the key would replay this very body forever, so
		// its current state is read by id, within the same call's time.
		const unsettled = result.status < 300 ? stringField(asRecord(result.body), "id") : undefined;
		if (unsettled !== undefined) return this.readIntent(unsettled, deadline);
		return finalIfSaved(outcome, result);
	}

	/** Stripe's documented amount rules (src/payment/stripe-amounts.ts). */
	amountProblem(amountCents: number, currency: string): string | null {
		return stripeAmountProblem(amountCents, currency);
	}

	/**
	 * The charge `req` made, without ever capturing. Stripe keeps the first result of an
	 * Idempotency-Key and refuses the key with other parameters (400 `idempotency_error`), so
	 * the same request is sent with `confirm=false`: if no charge with this key ever reached
	 * Stripe, that creates an unconfirmed PaymentIntent — no money moves, and the key now
	 * belongs to it, so the charge, should it still arrive, is refused instead of capturing
	 * (`none`). If the charge did reach Stripe, the key is refused and the charge itself is
	 * replayed, which can only return its first result, never capture anew. No search (it is
	 * eventually consistent). The unconfirmed PaymentIntent is left as it is: it holds no
	 * money, and cancelling it would be one more call that can fail
	 * (docs/decisions/062-saga-after-reset-overload-and-probe.md).
	 */
	async lookup(req: ChargeRequest, opts?: CallOptions): Promise<LookupOutcome> {
		const problem = validateChargeRequest(req);
		if (problem !== null) return { kind: "error", reason: problem };
		const claim = chargeForm(req);
		claim.set("confirm", "false");
		const deadline = deadlineOf(opts);
		const result = await this.send(
			"POST",
			"/v1/payment_intents",
			claim,
			req.idempotencyKey,
			deadline,
		);
		if (result.kind === "unreachable") return { kind: "unknown", reason: result.reason };
		const { status, body } = result;
		if (status >= 200 && status < 300) {
			// A PaymentIntent made now, unconfirmed: the key was free, so no charge ever reached Stripe.
			const intent = asRecord(body);
			if (
				stringField(intent, "id") !== undefined &&
				stringField(intent, "status") !== "succeeded"
			) {
				return { kind: "none" };
			}
			return mapChargeResponse(status, body);
		}
		const error = asRecord(asRecord(body)?.error);
		if (status === 400 && stringField(error, "type") === "idempotency_error") {
			// The key is taken: by the charge (replayed below), never by a new capture.
			return this.charge(req, opts);
		}
		// A 500 Stripe saved for THIS request (its parameters, confirm=false): the key belongs to
		// a request that can never capture, so no charge with it ever did or will.
		if (status >= 500 && result.replayed) return { kind: "none" };
		if (isInDoubt(status)) return { kind: "unknown", reason: describeError(status, error) };
		return { kind: "error", reason: describeError(status, error) };
	}

	async refund(
		paymentId: string,
		idempotencyKey: string,
		opts?: CallOptions,
	): Promise<RefundOutcome> {
		const problem = validateId("paymentId", paymentId) ?? validateIdempotencyKey(idempotencyKey);
		if (problem !== null) return { kind: "error", reason: problem };
		const form = new URLSearchParams({ payment_intent: paymentId });
		const deadline = deadlineOf(opts);
		const result = await this.send("POST", "/v1/refunds", form, idempotencyKey, deadline);
		if (result.kind === "unreachable") return { kind: "unknown", reason: result.reason };
		const outcome = mapRefundResponse(result.status, result.body);
		return outcome.kind === "unknown" ? finalIfSaved(outcome, result) : outcome;
	}

	/**
	 * The charge's PaymentIntent as it is now (GET, no key: a read moves no money). Any
	 * answer but a readable intent leaves the charge `unknown`: the intent exists, a 404 or
	 * a 5xx here says nothing about whether it captured.
	 */
	private async readIntent(intentId: string, deadline: Deadline): Promise<ChargeOutcome> {
		const path = `/v1/payment_intents/${encodeURIComponent(intentId)}`;
		const result = await this.send("GET", path, null, null, deadline);
		if (result.kind === "unreachable") return { kind: "unknown", reason: result.reason };
		if (result.status >= 200 && result.status < 300) {
			return mapChargeResponse(result.status, result.body);
		}
		const error = asRecord(asRecord(result.body)?.error);
		return {
			kind: "unknown",
			reason: `payment intent ${intentId} unread: ${describeError(result.status, error)}`,
		};
	}

	/** One request, abandoned (`unreachable`) at the call's deadline, its body read under it too. */
	private async send(
		method: "GET" | "POST",
		path: string,
		form: URLSearchParams | null,
		idempotencyKey: string | null,
		deadline: Deadline,
	): Promise<HttpResult> {
		const leftMs = Math.max(0, deadline.atMs - Date.now());
		const timeout = {
			kind: "unreachable" as const,
			reason: `timeout after ${deadline.timeoutMs} ms`,
		};
		if (leftMs === 0) return timeout;
		const controller = new AbortController();
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			controller.abort();
		}, leftMs);
		const headers: Record<string, string> = { Authorization: `Bearer ${this.secretKey}` };
		if (form !== null) headers["Content-Type"] = "application/x-www-form-urlencoded";
		if (idempotencyKey !== null) headers["Idempotency-Key"] = idempotencyKey;
		if (this.apiVersion !== undefined) headers["Stripe-Version"] = this.apiVersion;
		try {
			const response = await this.fetchFn(`${this.apiBase}${path}`, {
				method,
				headers,
				...(form === null ? {} : { body: form.toString() }),
				signal: controller.signal,
			});
			// Read the body under the same deadline: a stalled body is as unknown as no answer.
			const text = await response.text();
			return {
				kind: "response",
				status: response.status,
				body: parseJson(text),
				replayed: response.headers.get("Idempotent-Replayed") === "true",
			};
		} catch (error) {
			if (timedOut) return timeout;
			return { kind: "unreachable", reason: `network error: ${describe(error)}` };
		} finally {
			clearTimeout(timer);
		}
	}
}

/** A PaymentIntent created and confirmed in one call: the charge's form. */
function chargeForm(req: ChargeRequest): URLSearchParams {
	const form = new URLSearchParams({
		amount: String(req.amountCents),
		currency: req.currency.toLowerCase(),
		payment_method: req.paymentMethod,
		confirm: "true",
		// Card-only, server-side confirmation: never hand back a redirect we cannot follow.
		"automatic_payment_methods[enabled]": "true",
		"automatic_payment_methods[allow_redirects]": "never",
	});
	if (req.description !== undefined) form.set("description", req.description);
	for (const [key, value] of Object.entries(req.metadata ?? {})) {
		form.set(`metadata[${key}]`, value);
	}
	return form;
}

function mapChargeResponse(status: number, body: unknown): ChargeOutcome {
	if (status >= 200 && status < 300) {
		const intent = asRecord(body);
		const id = stringField(intent, "id");
		const intentStatus = stringField(intent, "status");
		if (id === undefined || intentStatus === undefined) {
			return { kind: "unknown", reason: `stripe ${status}: unreadable PaymentIntent` };
		}
		if (intentStatus === "succeeded") return { kind: "succeeded", paymentId: id };
		if (NOT_CAPTURED_STATUSES.has(intentStatus)) {
			const lastError = asRecord(intent?.last_payment_error);
			return { kind: "declined", paymentId: id, reason: declineReason(lastError) ?? intentStatus };
		}
		// `processing` (and anything newer we do not know) settles later: ask again.
		return { kind: "unknown", reason: `payment intent ${id} is ${intentStatus}` };
	}
	const error = asRecord(asRecord(body)?.error);
	if (status === 402 && stringField(error, "type") === "card_error") {
		const intentId = stringField(asRecord(error?.payment_intent), "id") ?? null;
		return { kind: "declined", paymentId: intentId, reason: declineReason(error) ?? "card_error" };
	}
	if (isInDoubt(status)) return { kind: "unknown", reason: describeError(status, error) };
	return { kind: "error", reason: describeError(status, error) };
}

function mapRefundResponse(status: number, body: unknown): RefundOutcome {
	if (status >= 200 && status < 300) {
		const refund = asRecord(body);
		const id = stringField(refund, "id");
		const refundStatus = stringField(refund, "status");
		if (id === undefined || refundStatus === undefined) {
			return { kind: "unknown", reason: `stripe ${status}: unreadable Refund` };
		}
		if (REFUND_ACCEPTED_STATUSES.has(refundStatus)) return { kind: "refunded", refundId: id };
		if (REFUND_FAILED_STATUSES.has(refundStatus)) {
			return { kind: "error", reason: `refund ${id} ${refundStatus}` };
		}
		return { kind: "unknown", reason: `refund ${id} is ${refundStatus}` };
	}
	const error = asRecord(asRecord(body)?.error);
	if (isInDoubt(status)) return { kind: "unknown", reason: describeError(status, error) };
	return { kind: "error", reason: describeError(status, error) };
}

/**
 * An in-doubt answer Stripe replayed from what it saved under the key (a 5xx given after the
 * work began): every later call with the key gets it again, so the outcome is `final` and only
 * an operator can settle it (find the PaymentIntent by its `metadata[reservationId]`).
 */
function finalIfSaved<T extends { kind: "unknown"; reason: string }>(
	outcome: T,
	result: Extract<HttpResult, { kind: "response" }>,
): T | (T & { final: true }) {
	if (!result.replayed || result.status < 500) return outcome;
	return {
		...outcome,
		final: true,
		reason: `${outcome.reason} (saved by Stripe under this idempotency key and replayed to every retry)`,
	};
}

// 409: another request with this key is still running (or a lock conflict);
// 429: rate limited; 5xx: Stripe may or may not have acted. All safe to retry with the key.
function isInDoubt(status: number): boolean {
	return status === 409 || status === 429 || status >= 500;
}

function declineReason(error: Record<string, unknown> | undefined): string | undefined {
	return (
		stringField(error, "decline_code") ??
		stringField(error, "code") ??
		stringField(error, "message")
	);
}

function describeError(status: number, error: Record<string, unknown> | undefined): string {
	const code = stringField(error, "code") ?? stringField(error, "type") ?? "http_error";
	const message = stringField(error, "message");
	return message === undefined
		? `stripe ${status} ${code}`
		: `stripe ${status} ${code}: ${message}`;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
	return typeof value === "object" && value !== null && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
}

function stringField(
	record: Record<string, unknown> | undefined,
	field: string,
): string | undefined {
	const value = record?.[field];
	return typeof value === "string" && value.length > 0 ? value : undefined;
}

function describe(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	// Node's fetch says only "fetch failed"; the cause names the socket error.
	return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
