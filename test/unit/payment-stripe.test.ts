// The Stripe adapter against a local stub of Stripe's HTTP API (Node only: the
// stub listens with node:http). Nothing of ours is mocked.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StripeProvider } from "../../src/payment/stripe";
import { stripeAmountProblem } from "../../src/payment/stripe-amounts.ts";
import { chargeRequest } from "../support/payment.ts";
import { StripeStub } from "../support/stripe-stub";

/** The client's timeout in the timeout test: long enough for the request to reach the stub. */
const CLIENT_TIMEOUT_MS = 1_000;
/** The stub's answer in that test comes after this: never before the client's timeout. */
const STRIPE_ANSWER_LATE_MS = 30_000;
/** How long that test waits for the stub's capture on a loaded machine. */
const CAPTURE_WAIT_MS = 10_000;

const SECRET = "sk_test_revenue_guard";

let stub: StripeStub;
let stripe: StripeProvider;

beforeEach(async () => {
	stub = await StripeStub.start({ secretKey: SECRET });
	stripe = new StripeProvider({ secretKey: SECRET, apiBase: stub.url });
});

afterEach(async () => {
	await stub.close();
});

async function chargedPaymentId(): Promise<string> {
	const outcome = await stripe.charge(chargeRequest("pm_card_visa"));
	if (outcome.kind !== "succeeded") throw new Error(`setup: charge ${outcome.kind}`);
	return outcome.paymentId;
}

describe("StripeProvider charge", () => {
	it("confirms a PaymentIntent with Stripe's form fields, secret and Idempotency-Key", async () => {
		const req = chargeRequest("pm_card_visa", { metadata: { reservationId: "r_1" } });
		const outcome = await stripe.charge(req);
		expect(outcome).toEqual({ kind: "succeeded", paymentId: stub.capturedIntentIds()[0] });
		const sent = stub.requests[0];
		expect(sent).toMatchObject({
			path: "/v1/payment_intents",
			authorization: `Bearer ${SECRET}`,
			idempotencyKey: req.idempotencyKey,
			contentType: "application/x-www-form-urlencoded",
			params: {
				amount: "4999",
				currency: "usd",
				payment_method: "pm_card_visa",
				confirm: "true",
				"automatic_payment_methods[enabled]": "true",
				"automatic_payment_methods[allow_redirects]": "never",
				"metadata[reservationId]": "r_1",
			},
		});
		expect(stub.captures).toBe(1);
	});

	it("maps a 402 card_error to declined with the decline code and the intent id", async () => {
		const outcome = await stripe.charge(chargeRequest("pm_card_chargeDeclined"));
		expect(outcome).toMatchObject({
			kind: "declined",
			reason: "generic_decline",
			paymentId: expect.stringMatching(/^pi_/),
		});
		expect(stub.captures).toBe(0);
	});

	it("times out as unknown, and the retry with the same key gets the one capture", async () => {
		const req = chargeRequest("pm_card_visa");
		// Stripe captures, and its answer would come long after the client gave up.
		stub.behave({ responseDelayMs: STRIPE_ANSWER_LATE_MS });
		const first = await stripe.charge(req, { timeoutMs: CLIENT_TIMEOUT_MS });
		expect(first).toEqual({ kind: "unknown", reason: `timeout after ${CLIENT_TIMEOUT_MS} ms` });
		// The client's timeout must outlast the request's trip to the stub, or the client
		// gives up before Stripe ever saw the charge (two suites side by side once stalled this
		// process that long with 50 ms); the capture may still be on its way, so wait for it.
		await expect.poll(() => stub.captures, { timeout: CAPTURE_WAIT_MS }).toBe(1);

		stub.behave({ responseDelayMs: 0 });
		const retry = await stripe.charge(req);
		expect(retry).toEqual({ kind: "succeeded", paymentId: stub.capturedIntentIds()[0] });
		expect(await stripe.charge(req)).toEqual(retry);
		expect(stub.captures).toBe(1);
	});

	it("answers unknown while Stripe still holds the key for a concurrent request", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ processingMs: 150 });
		const [a, b] = await Promise.all([stripe.charge(req), stripe.charge(req)]);
		const kinds = [a.kind, b.kind].sort();
		expect(kinds).toEqual(["succeeded", "unknown"]);
		expect(stub.captures).toBe(1);
	});

	it("maps a 500 to unknown; the retry with the same key then succeeds once", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ failNext: 1 });
		const first = await stripe.charge(req);
		expect(first.kind).toBe("unknown");
		expect(first.kind === "unknown" && first.reason).toMatch(/^stripe 500/);
		expect((await stripe.charge(req)).kind).toBe("succeeded");
		expect(stub.captures).toBe(1);
	});

	it("maps a wrong secret (401) to error", async () => {
		const wrong = new StripeProvider({ secretKey: "sk_test_wrong", apiBase: stub.url });
		const outcome = await wrong.charge(chargeRequest("pm_card_visa"));
		expect(outcome.kind).toBe("error");
		expect(outcome.kind === "error" && outcome.reason).toMatch(/^stripe 401 .*Invalid API Key/);
		expect(stub.captures).toBe(0);
	});

	it("maps a reused key with different parameters (400 idempotency_error) to error", async () => {
		const req = chargeRequest("pm_card_visa");
		await stripe.charge(req);
		const outcome = await stripe.charge({ ...req, amountCents: 100 });
		expect(outcome.kind).toBe("error");
		expect(outcome.kind === "error" && outcome.reason).toMatch(/idempotency_error/);
		expect(stub.captures).toBe(1);
	});

	it("maps an unreachable Stripe to unknown", async () => {
		const url = stub.url;
		await stub.close();
		const offline = new StripeProvider({ secretKey: SECRET, apiBase: url });
		const outcome = await offline.charge(chargeRequest("pm_card_visa"));
		expect(outcome.kind).toBe("unknown");
		stub = await StripeStub.start({ secretKey: SECRET }); // for afterEach
	});

	it("refuses an invalid request without calling Stripe", async () => {
		const outcome = await stripe.charge(chargeRequest("pm_card_visa", { currency: "dollars" }));
		expect(outcome.kind).toBe("error");
		expect(stub.requests).toHaveLength(0);
	});
});

describe("StripeProvider lookup (the compensation's probe)", () => {
	it("finds no charge without charging, and spends the key so a late charge cannot capture", async () => {
		const req = chargeRequest("pm_card_visa");
		expect(await stripe.lookup(req)).toEqual({ kind: "none" });
		// The lookup created an unconfirmed PaymentIntent under the key: no money moved.
		expect(stub.requests[0]).toMatchObject({
			path: "/v1/payment_intents",
			idempotencyKey: req.idempotencyKey,
			params: { confirm: "false", amount: "4999", payment_method: "pm_card_visa" },
		});
		expect(stub.captures).toBe(0);
		// The charge arriving after it is refused (400 idempotency_error), not captured.
		expect(await stripe.charge(req)).toMatchObject({ kind: "error" });
		expect(stub.captures).toBe(0);
	});

	it("answers a charge that reached Stripe with its first result, never a second capture", async () => {
		const req = chargeRequest("pm_card_visa");
		const charged = await stripe.charge(req);
		expect(charged.kind).toBe("succeeded");
		expect(await stripe.lookup(req)).toEqual(charged);
		expect(stub.captures).toBe(1);

		const declined = chargeRequest("pm_card_chargeDeclined");
		const first = await stripe.charge(declined);
		expect(await stripe.lookup(declined)).toEqual(first);
		expect(stub.captures).toBe(1);
	});

	it("answers unknown while Stripe cannot be reached", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ failNext: 1 });
		expect(await stripe.lookup(req)).toMatchObject({ kind: "unknown" });
		expect(stub.captures).toBe(0);
	});
});

describe("StripeProvider in-doubt answers (Stripe replays a key's first answer)", () => {
	it("reads a `processing` PaymentIntent by id: the retry and the probe see it settle", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ processing: true });
		const first = await stripe.charge(req);
		expect(first).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/processing/) });
		const [intentId] = stub.intentIds();
		expect(intentId).toMatch(/^pi_/);
		// The charge was read again by id within the call: POST, then GET of that intent.
		expect(stub.requests.map((r) => r.path)).toEqual([
			"/v1/payment_intents",
			`/v1/payment_intents/${intentId}`,
		]);
		stub.settle(intentId as string, "succeeded");
		// Stripe replays the saved `processing` body to the same key; the intent itself moved on.
		expect(await stripe.charge(req)).toEqual({ kind: "succeeded", paymentId: intentId });
		expect(await stripe.lookup(req)).toEqual({ kind: "succeeded", paymentId: intentId });
		expect(stub.captures).toBe(1);
	});

	it("answers declined once a `processing` PaymentIntent settles without the money", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ processing: true });
		expect((await stripe.charge(req)).kind).toBe("unknown");
		stub.settle(stub.intentIds()[0] as string, "requires_payment_method");
		expect(await stripe.lookup(req)).toMatchObject({ kind: "declined" });
		expect(stub.captures).toBe(0);
	});

	it("says a 500 Stripe saved under the key is final: retries and probes only replay it", async () => {
		const req = chargeRequest("pm_card_visa");
		// Stripe began the work (the money is taken) and answered 500, saved under the key.
		stub.behave({ failAfterWorkNext: 1 });
		const first = await stripe.charge(req);
		expect(first).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/^stripe 500/) });
		expect(first.kind === "unknown" && first.final).toBeUndefined();
		expect(stub.captures).toBe(1);
		const retry = await stripe.charge(req);
		expect(retry).toMatchObject({ kind: "unknown", final: true });
		expect(await stripe.lookup(req)).toMatchObject({ kind: "unknown", final: true });
		expect(stub.captures).toBe(1);
	});

	it("finds no charge when the key's saved 500 is the probe's own (confirm=false) request", async () => {
		const req = chargeRequest("pm_card_visa");
		stub.behave({ failAfterWorkNext: 1 });
		expect(await stripe.lookup(req)).toMatchObject({ kind: "unknown" });
		// Replayed: the key belongs to a request that cannot capture, so no charge ever will.
		expect(await stripe.lookup(req)).toEqual({ kind: "none" });
		expect(await stripe.charge(req)).toMatchObject({ kind: "error" });
		expect(stub.captures).toBe(0);
	});

	it("says a refund's saved 500 is final", async () => {
		const paymentId = await chargedPaymentId();
		const key = `rf_${crypto.randomUUID()}`;
		stub.behave({ failAfterWorkNext: 1 });
		expect(await stripe.refund(paymentId, key)).toMatchObject({ kind: "unknown" });
		expect(await stripe.refund(paymentId, key)).toMatchObject({ kind: "unknown", final: true });
		expect(stub.refunds).toBe(1);
	});
});

describe("StripeProvider amounts (docs/decisions/072-amounts-the-provider-refuses.md)", () => {
	const cases: [number, string][] = [
		[50, "USD"],
		[49, "USD"],
		[25, "usd"],
		[99_999_999, "USD"],
		[100_000_000, "USD"],
		[100_000_000, "JPY"],
		[10_500, "KWD"],
		[10_505, "KWD"],
		[1_001, "BHD"],
		[12_300, "ISK"],
		[12_345, "ISK"],
		[25, "EUR"],
		[50, "EUR"],
		[1, "JPY"],
		[49, "JPY"],
		[50, "JPY"],
		[29, "gbp"],
		[30, "GBP"],
		[17_499, "HUF"],
		[17_500, "HUF"],
		[999, "MXN"],
		[1_000, "THB"],
		[1, "KRW"],
		[1, "CLP"],
	];

	it("refuses before a call exactly the amounts the stub of Stripe refuses", async () => {
		for (const [amountCents, currency] of cases) {
			const problem = stripe.amountProblem(amountCents, currency);
			const outcome = await stripe.charge(chargeRequest("pm_card_visa", { amountCents, currency }));
			// Refused by the adapter's own bounds (eight digits) or by the stub's 400.
			const refused = outcome.kind === "error";
			expect({ amountCents, currency, refused }).toEqual({
				amountCents,
				currency,
				refused: problem !== null,
			});
		}
	});

	it("names the rule and the amount, and takes a free order", () => {
		expect(stripeAmountProblem(0, "USD")).toBeNull();
		expect(stripeAmountProblem(25, "usd")).toMatch(/at least 50 USD cents.*got 25/);
		expect(stripeAmountProblem(100_000_000, "USD")).toMatch(/at most 99999999/);
		expect(stripeAmountProblem(10_505, "kwd")).toMatch(/KWD \(three decimals\).*last digit is 0/);
		expect(stripeAmountProblem(12_345, "ISK")).toMatch(/multiple of 100/);
		// Each listed currency's own minimum (docs/decisions/083-fairness-runs-and-stripe-minimums.md).
		expect(stripeAmountProblem(49, "eur")).toBe(
			"Stripe charges at least 50 EUR minor units (0.50 EUR); got 49",
		);
		expect(stripeAmountProblem(49, "JPY")).toBe("Stripe charges at least 50 JPY; got 49");
		expect(stripeAmountProblem(249, "DKK")).toMatch(/at least 250 DKK minor units \(2\.50 DKK\)/);
		// A currency Stripe lists no fixed minimum for: left to Stripe.
		expect(stripeAmountProblem(1, "KRW")).toBeNull();
	});
});

describe("StripeProvider refund", () => {
	it("refunds a PaymentIntent once, replaying the same key", async () => {
		const paymentId = await chargedPaymentId();
		const key = `rf_${crypto.randomUUID()}`;
		const refunded = await stripe.refund(paymentId, key);
		expect(refunded).toMatchObject({ kind: "refunded", refundId: expect.stringMatching(/^re_/) });
		expect(stub.requests.at(-1)).toMatchObject({
			path: "/v1/refunds",
			idempotencyKey: key,
			params: { payment_intent: paymentId },
		});
		expect(await stripe.refund(paymentId, key)).toEqual(refunded);
		expect(stub.refunds).toBe(1);
	});

	it("maps an already refunded payment to error", async () => {
		const paymentId = await chargedPaymentId();
		await stripe.refund(paymentId, `rf_${crypto.randomUUID()}`);
		const again = await stripe.refund(paymentId, `rf_${crypto.randomUUID()}`);
		expect(again.kind === "error" && again.reason).toMatch(/charge_already_refunded/);
		expect(stub.refunds).toBe(1);
	});

	it("maps a refund timeout to unknown", async () => {
		const paymentId = await chargedPaymentId();
		stub.behave({ responseDelayMs: 500 });
		const outcome = await stripe.refund(paymentId, `rf_${crypto.randomUUID()}`, { timeoutMs: 50 });
		expect(outcome.kind).toBe("unknown");
	});
});
