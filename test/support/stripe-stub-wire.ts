// The wire side of the Stripe stub (test/support/stripe-stub.ts): Stripe's error shapes, its
// documented amount rules, ids, and reading and writing HTTP bodies as Stripe does
// (https://docs.stripe.com/api/errors, https://docs.stripe.com/idempotency).

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Stripe bodies are small; anything bigger is a bug in the adapter. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Stripe's minimum charge amounts in the currency's major unit
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts); JPY is zero-decimal,
 * so its minimum is the amount itself. Currencies not listed have no fixed minimum.
 */
const MINIMUM_MAJOR: Record<string, number> = {
	usd: 0.5,
	aed: 2,
	aud: 0.5,
	bgn: 1,
	brl: 0.5,
	cad: 0.5,
	chf: 0.5,
	czk: 15,
	dkk: 2.5,
	eur: 0.5,
	gbp: 0.3,
	hkd: 4,
	huf: 175,
	inr: 0.5,
	jpy: 50,
	mxn: 10,
	myr: 2,
	nok: 3,
	nzd: 0.5,
	pln: 2,
	ron: 2,
	sek: 3,
	sgd: 0.5,
	thb: 10,
};
/** Stripe's three-decimal currencies (https://docs.stripe.com/currencies): amounts end in 0. */
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

export interface StubResponse {
	status: number;
	body: unknown;
}

export function stripeError(
	status: number,
	type: string,
	message: string,
	extra: Record<string, string> = {},
): StubResponse {
	return { status, body: { error: { type, message, ...extra } } };
}

export function missingOrInvalid(param: string): StubResponse {
	return stripeError(400, "invalid_request_error", `Missing or invalid parameter: ${param}`, {
		code: "parameter_missing",
		param,
	});
}

/**
 * Stripe's documented amount rules (https://docs.stripe.com/api/payment_intents/create `amount`,
 * https://docs.stripe.com/currencies): at most eight digits, at least the listed minimum of the
 * currencies Stripe lists one for (a currency it does not list is judged by the day's rate into
 * the account's settlement currency: not checked here), three-decimal currencies in tens, ISK
 * in hundreds. Written apart from the adapter's own check on purpose.
 */
export function refuseAmount(amount: number, currency: string): StubResponse | null {
	// Stripe names the first two codes in its error codes; the others are refused by `param`.
	const refuse = (code: string | null, message: string) =>
		stripeError(400, "invalid_request_error", message, {
			...(code === null ? {} : { code }),
			param: "amount",
		});
	if (amount > 99_999_999) {
		return refuse("amount_too_large", "Amount must be no more than $999,999.99");
	}
	const minimumMajor = MINIMUM_MAJOR[currency];
	const minorPerMajor = currency === "jpy" ? 1 : 100;
	if (minimumMajor !== undefined && amount < Math.round(minimumMajor * minorPerMajor)) {
		const shown = currency === "jpy" ? String(minimumMajor) : minimumMajor.toFixed(2);
		return refuse("amount_too_small", `Amount must be at least ${shown} ${currency}`);
	}
	if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
		return refuse(null, `Amounts in ${currency} must have 0 as the last digit.`);
	}
	if (currency === "isk" && amount % 100 !== 0) {
		return refuse(null, "Amounts in isk must be evenly divisible by 100.");
	}
	return null;
}

/** Refused before the endpoint ran: Stripe saves no result for these. */
export function isValidationError(response: StubResponse): boolean {
	const body = response.body as { error?: { code?: string; param?: string } };
	return body.error?.code === "parameter_missing" || body.error?.param === "amount";
}

export function metadataOf(params: Record<string, string>): Record<string, string> {
	const metadata: Record<string, string> = {};
	for (const [key, value] of Object.entries(params)) {
		const match = /^metadata\[(.+)\]$/.exec(key);
		if (match?.[1] !== undefined) metadata[match[1]] = value;
	}
	return metadata;
}

export function stripeId(prefix: string): string {
	return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** The body as text, or null when it passes MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > MAX_BODY_BYTES) return null;
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

export function send(res: ServerResponse, response: StubResponse, replayed: boolean): void {
	if (res.destroyed || res.writableEnded) return;
	const headers: Record<string, string> = {
		"Content-Type": "application/json",
		"Request-Id": `req_${randomUUID().replaceAll("-", "").slice(0, 14)}`,
	};
	if (replayed) headers["Idempotent-Replayed"] = "true";
	res.writeHead(response.status, headers);
	res.end(JSON.stringify(response.body));
}
