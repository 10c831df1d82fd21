// The Stripe adapter against a local stub of Stripe's HTTP API (Node only: the
// stub listens with node:http). Nothing of ours is mocked.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StripeProvider } from "../../src/payment/stripe";
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
