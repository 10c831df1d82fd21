// The payment seam of the checkout saga (docs/checkout.md). The saga in the SKU's Durable
// Object talks only to this interface; the simulated provider (local default) and
// the Stripe adapter implement it. No Workers or Node imports: web standards only.
//
// Expected outcomes are values, never exceptions (docs/architecture.md, "Decisions
// this design rests on"). A provider throws only for the unexpected (a bug, a broken store).
//
// Retries are deliberately NOT done inside a provider: the saga owns the retry
// policy and its bound (a hold must not stay in flight forever), and it must
// persist the idempotency key before the first attempt so that a retry after a
// crash reuses it. A provider call is one attempt.

export interface ChargeRequest {
	/** Smallest currency unit, integer, 1..MAX_AMOUNT_CENTS. */
	amountCents: number;
	/** ISO 4217 code, any case (Stripe wants lower case; the adapter converts). */
	currency: string;
	/** A payment method id, e.g. `pm_card_visa` (see docs/api.md for the test ones). */
	paymentMethod: string;
	/** Provider idempotency key: reuse it, unchanged, on every retry of this charge. */
	idempotencyKey: string;
	description?: string;
	metadata?: Record<string, string>;
}

export type ChargeOutcome =
	| { kind: "succeeded"; paymentId: string }
	| { kind: "declined"; paymentId: string | null; reason: string }
	/** Timeout or network failure: the charge may or may not have been captured.
	 * Retry with the SAME idempotency key to learn the outcome — unless `final`: the provider
	 * saved this answer under the key and replays it to every later call with it (Stripe saves
	 * a 500 given after the work began, docs/decisions/071-stripe-in-doubt-answers.md), so
	 * asking again cannot learn anything and an operator reconciles the payment by hand. */
	| { kind: "unknown"; reason: string; final?: true }
	/** The provider refused the request: definitely not captured. */
	| { kind: "error"; reason: string };

/**
 * What a lookup learns of a charge's idempotency key (PaymentProvider.lookup): the first
 * charge's own outcome when the provider received one, or `none` when it never did — and
 * then the key is spent, so a copy of that charge arriving later cannot capture either.
 */
export type LookupOutcome = ChargeOutcome | { kind: "none" };

export type RefundOutcome =
	| { kind: "refunded"; refundId: string }
	/** Outcome not known: retry with the SAME idempotency key — unless `final`. */
	| { kind: "unknown"; reason: string; final?: true }
	/** Definitely not refunded by this call (e.g. no such payment, already refunded). */
	| { kind: "error"; reason: string };

export interface CallOptions {
	/** Give up waiting after this long and answer `unknown`. Clamped to MAX_PAYMENT_TIMEOUT_MS. */
	timeoutMs?: number;
}

export interface PaymentProvider {
	readonly name: string;
	/**
	 * True when a call sends nothing out of the SKU's object: the provider's records are
	 * written in the caller's transaction (the simulated provider over the object's SQLite).
	 * Its caller may then write the step that precedes the call later in the same task
	 * (src/inventory/checkout-driver.ts perform). Absent: the call leaves the object.
	 */
	readonly inObject?: boolean;
	/**
	 * A charge's answer within the call, when the provider has one at once (the simulated
	 * provider at zero latency): the caller steps it in the same synchronous turn, so a
	 * batch's steps from request to order share one write of each row. Undefined (or no
	 * such method): call `charge` and await it.
	 */
	chargeNow?(req: ChargeRequest): ChargeOutcome | undefined;
	/** A refund's answer within the call, as chargeNow. */
	refundNow?(paymentId: string, idempotencyKey: string): RefundOutcome | undefined;
	charge(req: ChargeRequest, opts?: CallOptions): Promise<ChargeOutcome>;
	/**
	 * Why this provider can never take `paymentMethod`, known without a call: a method id it
	 * does not understand at all (the simulated provider's set is fixed, docs/api.md). Null
	 * when it may take it. Absent: every id is the provider's to judge when charged (Stripe).
	 * The checkout route asks it before the request reaches the hold, so such a request is a
	 * 400 that changes nothing, not a failed payment (docs/checkout.md).
	 */
	methodProblem?(paymentMethod: string): string | null;
	/**
	 * Why this provider can never charge `amountCents` in `currency`, known without a call
	 * (Stripe's documented amount rules, src/payment/stripe-amounts.ts). Null when it may.
	 * Absent: any amount validateChargeRequest takes. Asked (through chargeableAmountProblem,
	 * which adds the bound every provider has) when a price is set (a product's
	 * create or PATCH) and before a checkout touches the hold, so such an amount is a 400 that
	 * changes nothing, never a failed payment of the buyer
	 * (docs/decisions/072-amounts-the-provider-refuses.md).
	 */
	amountProblem?(amountCents: number, currency: string): string | null;
	/**
	 * Looks a charge up by its request (same idempotency key, same parameters) WITHOUT ever
	 * capturing: the compensation's probe after an outcome stayed unknown. If the provider
	 * received the charge, its outcome (`unknown` while it is still running); if it never did,
	 * `none`, and the key is spent so that a copy still on its way cannot capture afterwards.
	 */
	lookup(req: ChargeRequest, opts?: CallOptions): Promise<LookupOutcome>;
	/** A lookup's answer within the call, as chargeNow. */
	lookupNow?(req: ChargeRequest): LookupOutcome | undefined;
	refund(paymentId: string, idempotencyKey: string, opts?: CallOptions): Promise<RefundOutcome>;
}

/** Used when the caller gives no timeout. The saga normally passes a tighter one. */
export const DEFAULT_PAYMENT_TIMEOUT_MS = 10_000;
/** No single provider call may keep a hold in flight longer than this. */
export const MAX_PAYMENT_TIMEOUT_MS = 60_000;
/** Stripe accepts idempotency keys of up to 255 characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Stripe amounts support at most eight digits. */
export const MAX_AMOUNT_CENTS = 99_999_999;
/** Our own bound on ids we pass back to a provider (Stripe ids are ~30 characters). */
export const MAX_ID_LENGTH = 255;
/** Our own bound; our descriptions are short. */
export const MAX_DESCRIPTION_LENGTH = 1_000;
/** Stripe metadata limits: 50 keys, key ≤ 40 characters, value ≤ 500 characters. */
export const MAX_METADATA_KEYS = 50;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 500;

const CURRENCY_PATTERN = /^[A-Za-z]{3}$/;
// Printable ASCII, as docs/api.md asks of our own Idempotency-Key header.
const PRINTABLE_ASCII_PATTERN = /^[\x20-\x7e]+$/;

export function resolveTimeoutMs(timeoutMs: number | undefined): number {
	if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
		return DEFAULT_PAYMENT_TIMEOUT_MS;
	}
	return Math.min(Math.ceil(timeoutMs), MAX_PAYMENT_TIMEOUT_MS);
}

/**
 * Why no provider here can charge `amountCents`: above MAX_AMOUNT_CENTS, which every provider
 * refuses (validateChargeRequest), the simulated one included. Null when within the bound.
 */
export function amountBoundProblem(amountCents: number): string | null {
	if (amountCents <= MAX_AMOUNT_CENTS) return null;
	return `no payment provider here charges more than ${MAX_AMOUNT_CENTS} (eight digits) of the currency's minor unit; got ${amountCents}`;
}

/**
 * Why `provider` can never charge `amountCents` in `currency`: its own rules
 * (PaymentProvider.amountProblem), else the bound every provider checks, so that a provider
 * without rules of its own (the simulated one) refuses the same amounts at create, PATCH and
 * checkout as at its charge. 0 is a free order that never reaches a provider: never a problem.
 */
export function chargeableAmountProblem(
	provider: PaymentProvider,
	amountCents: number,
	currency: string,
): string | null {
	if (amountCents === 0) return null;
	return provider.amountProblem?.(amountCents, currency) ?? amountBoundProblem(amountCents);
}

/** Returns why the key is unusable, or null if it is fine. */
export function validateIdempotencyKey(key: string): string | null {
	if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
		return `idempotencyKey must be 1..${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
	}
	if (!PRINTABLE_ASCII_PATTERN.test(key)) return "idempotencyKey must be printable ASCII";
	return null;
}

/** Returns why the id is unusable, or null if it is fine. */
export function validateId(field: string, id: string): string | null {
	if (id.length === 0 || id.length > MAX_ID_LENGTH) {
		return `${field} must be 1..${MAX_ID_LENGTH} characters`;
	}
	if (!PRINTABLE_ASCII_PATTERN.test(id)) return `${field} must be printable ASCII`;
	return null;
}

/**
 * Checked by every provider before any network or store access, so an invalid
 * request is an `error` (not captured) and never consumes an idempotency key —
 * Stripe likewise saves no result for a request that fails validation.
 */
export function validateChargeRequest(req: ChargeRequest): string | null {
	if (!Number.isInteger(req.amountCents) || req.amountCents < 1) {
		return "amountCents must be a positive integer";
	}
	if (req.amountCents > MAX_AMOUNT_CENTS) return `amountCents must be ≤ ${MAX_AMOUNT_CENTS}`;
	if (!CURRENCY_PATTERN.test(req.currency)) return "currency must be a 3-letter ISO code";
	const pmProblem = validateId("paymentMethod", req.paymentMethod);
	if (pmProblem !== null) return pmProblem;
	const keyProblem = validateIdempotencyKey(req.idempotencyKey);
	if (keyProblem !== null) return keyProblem;
	if (req.description !== undefined && req.description.length > MAX_DESCRIPTION_LENGTH) {
		return `description must be ≤ ${MAX_DESCRIPTION_LENGTH} characters`;
	}
	return validateMetadata(req.metadata);
}

function validateMetadata(metadata: Record<string, string> | undefined): string | null {
	if (metadata === undefined) return null;
	const entries = Object.entries(metadata);
	if (entries.length > MAX_METADATA_KEYS) return `metadata may hold ≤ ${MAX_METADATA_KEYS} keys`;
	for (const [key, value] of entries) {
		if (key.length === 0 || key.length > MAX_METADATA_KEY_LENGTH) {
			return `metadata keys must be 1..${MAX_METADATA_KEY_LENGTH} characters`;
		}
		if (typeof value !== "string" || value.length > MAX_METADATA_VALUE_LENGTH) {
			return `metadata values must be strings of ≤ ${MAX_METADATA_VALUE_LENGTH} characters`;
		}
	}
	return null;
}
