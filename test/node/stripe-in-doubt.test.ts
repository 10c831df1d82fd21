// Stripe's in-doubt answers through the whole checkout (docs/decisions/071-stripe-in-doubt-answers.md),
// against a real `npm start` with PAYMENT_PROVIDER=stripe pointed at the repository's stub
// of Stripe, which replays a key's first answer as Stripe documents: a charge left
// `processing` that settles during the saga's retries ends PAID (the retry reads the intent by
// id), and a 500 Stripe saved under the key releases the hold and reaches an operator at once
// instead of after every retry and probe.
import { describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import { api } from "../support/server.ts";
import { createProduct, newBuyer } from "../support/shop.ts";
import { stripeServer } from "../support/stripe-server.ts";

const SECRET = "sk_test_revenue_guard_in_doubt";
/** Liveness bound for the server to reach the stub or log a line. */
const WAIT_MS = 30_000;
const POLL_MS = 25;
/** The alert the saga logs when a payment needs an operator (src/inventory/saga-writer.ts). */
const OPERATOR_ALERT = "checkout compensation needs an operator";

const stripe = stripeServer(SECRET);

async function until(what: string, ready: () => boolean): Promise<void> {
	const by = Date.now() + WAIT_MS;
	while (!ready()) {
		if (Date.now() > by) throw new Error(`timed out waiting for ${what}`);
		await sleep(POLL_MS);
	}
}

async function holdOf(sku: string): Promise<{ token: string; id: string }> {
	const token = await newBuyer(stripe.server);
	const hold = await api<{ reservationId: string }>(stripe.server, "POST", "/api/reservations", {
		token,
		body: { sku },
	});
	expect(hold.status, JSON.stringify(hold.body)).toBe(201);
	return { token, id: hold.body.data?.reservationId ?? "" };
}

function pay(token: string, id: string, key: string) {
	return api<{ status: string }>(stripe.server, "POST", "/api/checkout", {
		token,
		body: { reservationId: id, paymentMethod: "pm_card_visa" },
		headers: { "idempotency-key": key },
	});
}

describe("Stripe's in-doubt answers through the checkout saga", () => {
	it("pays a charge left processing once it settles during the retries", async () => {
		const sku = await createProduct(stripe.server);
		const { token, id } = await holdOf(sku);
		// Answered `processing` and read by id in the first attempt; the second attempt's read
		// finds it settled (Stripe replays `processing` to the key's POST every time).
		stripe.stub.behave({ processing: true, settleAfterReads: 2 });
		const from = stripe.stub.requests.length;
		const answer = pay(token, id, `processing-${crypto.randomUUID()}`);
		const res = await answer;
		stripe.stub.behave({ processing: false, settleAfterReads: 0 });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data).toMatchObject({ status: "PAID" });
		expect(stripe.stub.captures).toBe(1);
		const intent = stripe.stub.intentIds().at(-1);
		expect(stripe.stub.requests.slice(from).map((r) => r.path)).toEqual([
			"/v1/payment_intents",
			`/v1/payment_intents/${intent}`,
			"/v1/payment_intents",
			`/v1/payment_intents/${intent}`,
		]);
	});

	it("releases at once and alerts an operator when Stripe saved a 500 under the key", async () => {
		const sku = await createProduct(stripe.server);
		const { token, id } = await holdOf(sku);
		const capturesBefore = stripe.stub.captures;
		// Stripe took the money, then answered 500 and saved that answer for every retry.
		stripe.stub.behave({ failAfterWorkNext: 1 });
		const res = await pay(token, id, `saved-500-${crypto.randomUUID()}`);
		expect(res.status, JSON.stringify(res.body)).toBe(402);
		expect((res.body.error as { payment?: unknown } | undefined)?.payment).toMatchObject({
			outcome: "not_confirmed",
			charged: "unknown",
			holdKept: false,
		});
		expect(stripe.stub.captures).toBe(capturesBefore + 1);
		// The probe gets the same saved 500: the payment is handed to an operator now, not after
		// the compensation's twelve attempts spread over many minutes.
		await until("the operator alert", () => stripe.server.output().includes(OPERATOR_ALERT));
		expect(stripe.server.output()).toContain(id);
		const seen = await api(stripe.server, "GET", `/api/products/${sku}/availability`);
		expect(seen.body.data).toMatchObject({ available: 3, reserved: 0, sold: 0 });
	});
});
