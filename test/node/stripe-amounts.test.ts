// Amounts Stripe refuses (docs/decisions/072-amounts-the-provider-refuses.md), against a real
// `npm start` with PAYMENT_PROVIDER=stripe pointed at the repository's stub of Stripe
// (test/support/stripe-stub.ts, which refuses them as Stripe documents): a price Stripe can
// never charge is a 400 naming the field at create and PATCH, and a hold whose price ×
// quantity Stripe cannot charge is a 400 at checkout that calls nobody, changes nothing and
// is never one of the hold's failed payments. The minimum is each listed currency's own
// (docs/decisions/083-fairness-runs-and-stripe-minimums.md), and a PATCH that re-sends a stored
// price Stripe now refuses changes no price, so it is not refused for it.
import { describe, expect, it } from "vitest";
import { MAX_FAILED_PAYMENTS_PER_HOLD } from "../../src/domain/checkout-policy.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { createProduct, newBuyer } from "../support/shop.ts";
import { stripeServer } from "../support/stripe-server.ts";

const SECRET = "sk_test_revenue_guard_amounts";
/** Eight digits is Stripe's most: five units of this are nine. */
const PRICE_OF_A_CAR_CENTS = 20_000_000;

const stripe = stripeServer(SECRET);

/** The product as a buyer reads it, from the file's Stripe server unless another is given. */
async function product(sku: string, server: TestServer = stripe.server) {
	return api<{ name: string; priceCents: number; currency: string; totalStock: number }>(
		server,
		"GET",
		`/api/products/${sku}`,
	);
}

describe("prices and amounts Stripe refuses, with PAYMENT_PROVIDER=stripe", () => {
	it("refuses at create a price Stripe can never charge, naming priceCents; creates nothing", async () => {
		const refused: [number, string, RegExp][] = [
			[25, "USD", /at least 50/],
			[10_505, "KWD", /last digit is 0/],
			[12_345, "ISK", /multiple of 100/],
		];
		for (const [priceCents, currency, rule] of refused) {
			const sku = `AMT-${crypto.randomUUID().slice(0, 8)}`;
			const res = await api(stripe.server, "POST", "/api/admin/products", {
				token: stripe.server.adminToken,
				body: { sku, name: sku, priceCents, currency, totalStock: 3 },
			});
			expect(res.status, `${priceCents} ${currency}`).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/^priceCents: /);
			expect(res.body.error?.message).toMatch(rule);
			expect((await product(sku)).status).toBe(404);
		}
		// What Stripe takes is taken: a free drop, and the same currencies rounded as it asks.
		await createProduct(stripe.server, { priceCents: 0 });
		await createProduct(stripe.server, { priceCents: 10_500, currency: "KWD" });
		await createProduct(stripe.server, { priceCents: 12_300, currency: "ISK" });
		expect(stripe.stub.requests).toEqual([]);
	});

	it("refuses at create a price under the listed minimum of its own currency, not only USD's", async () => {
		const refused: [number, string, RegExp][] = [
			[49, "EUR", /at least 50 EUR minor units \(0\.50 EUR\); got 49/],
			[29, "GBP", /at least 30 GBP minor units \(0\.30 GBP\); got 29/],
			[49, "jpy", /at least 50 JPY; got 49/],
			[17_499, "HUF", /at least 17500 HUF minor units \(175\.00 HUF\)/],
			[199, "AED", /at least 200 AED minor units/],
		];
		for (const [priceCents, currency, rule] of refused) {
			const sku = `AMT-${crypto.randomUUID().slice(0, 8)}`;
			const res = await api(stripe.server, "POST", "/api/admin/products", {
				token: stripe.server.adminToken,
				body: { sku, name: sku, priceCents, currency, totalStock: 3 },
			});
			expect(res.status, `${priceCents} ${currency}`).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/^priceCents: /);
			expect(res.body.error?.message).toMatch(rule);
			expect((await product(sku)).status).toBe(404);
		}
		// At the minimum, and in a currency Stripe lists no fixed minimum for (KRW, zero-decimal).
		await createProduct(stripe.server, { priceCents: 50, currency: "EUR" });
		await createProduct(stripe.server, { priceCents: 30, currency: "GBP" });
		await createProduct(stripe.server, { priceCents: 50, currency: "JPY" });
		await createProduct(stripe.server, { priceCents: 1, currency: "KRW" });
		expect(stripe.stub.requests).toEqual([]);
	});

	it("refuses a PATCH to such a price or currency, naming the field; the product keeps its price", async () => {
		const sku = await createProduct(stripe.server, { priceCents: 10_505, currency: "USD" });
		const cheap = await api(stripe.server, "PATCH", `/api/admin/products/${sku}`, {
			token: stripe.server.adminToken,
			body: { priceCents: 25 },
		});
		expect(cheap.status).toBe(400);
		expect(cheap.body.error?.message).toMatch(/^priceCents: .*at least 50/);
		// The price alone is fine in USD; in KWD (three decimals) it must end in 0.
		const dinars = await api(stripe.server, "PATCH", `/api/admin/products/${sku}`, {
			token: stripe.server.adminToken,
			body: { currency: "KWD" },
		});
		expect(dinars.status).toBe(400);
		expect(dinars.body.error?.message).toMatch(/^currency: .*10505 KWD.*last digit is 0/);
		expect((await product(sku)).body.data).toMatchObject({ priceCents: 10_505, currency: "USD" });
		const both = await api(stripe.server, "PATCH", `/api/admin/products/${sku}`, {
			token: stripe.server.adminToken,
			body: { priceCents: 10_500, currency: "KWD" },
		});
		expect(both.status, JSON.stringify(both.body)).toBe(200);
		// 10500 is past every listed minimum; 60 USD cents is not 2.00 AED.
		const cents = await createProduct(stripe.server, { priceCents: 60, currency: "USD" });
		const dirhams = await api(stripe.server, "PATCH", `/api/admin/products/${cents}`, {
			token: stripe.server.adminToken,
			body: { currency: "AED" },
		});
		expect(dirhams.status).toBe(400);
		expect(dirhams.body.error?.message).toMatch(/^currency: .*60 AED.*at least 200 AED/);
	});

	it("refuses at checkout a hold Stripe cannot charge (price × quantity), never as a failed payment", async () => {
		const sku = await createProduct(stripe.server, {
			priceCents: PRICE_OF_A_CAR_CENTS,
			totalStock: 10,
			perUserLimit: 5,
		});
		const token = await newBuyer(stripe.server);
		const hold = await api<{ reservationId: string }>(stripe.server, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: 5 },
		});
		expect(hold.status, JSON.stringify(hold.body)).toBe(201);
		const id = hold.body.data?.reservationId ?? "";
		// More tries than the hold's failed payments allow: none of them is one.
		for (let i = 0; i <= MAX_FAILED_PAYMENTS_PER_HOLD; i++) {
			const res = await api(stripe.server, "POST", "/api/checkout", {
				token,
				body: { reservationId: id, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": `too-much-${i}` },
			});
			expect(res.status, JSON.stringify(res.body)).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/^amount: 5 × priceCents 20000000 = 100000000 USD/);
			expect(res.body.error?.message).toMatch(/at most 99999999/);
		}
		const seen = await api(stripe.server, "GET", `/api/reservations/${id}`, { token });
		expect(seen.body.data).toMatchObject({ status: "RESERVED", quantity: 5 });
		// Stripe never heard of it.
		expect(stripe.stub.requests).toEqual([]);

		// Four units are eight digits: another buyer's hold of four pays, through the stub.
		const other = await newBuyer(stripe.server);
		const four = await api<{ reservationId: string }>(stripe.server, "POST", "/api/reservations", {
			token: other,
			body: { sku, quantity: 4 },
		});
		expect(four.status).toBe(201);
		const paid = await api<{ status: string }>(stripe.server, "POST", "/api/checkout", {
			token: other,
			body: { reservationId: four.body.data?.reservationId, paymentMethod: "pm_card_visa" },
			headers: { "idempotency-key": "four-units" },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		expect(stripe.stub.captures).toBe(1);
		expect(stripe.stub.requests[0]?.params.amount).toBe("80000000");
	});

	it("answers the same create 201 after a restart under Stripe, though the price is refused now", async () => {
		// Created under the simulated provider, which takes 30 USD cents; then the server is
		// killed and started on the same state with Stripe (decision 078).
		const simulated = await startServer();
		let withStripe: Awaited<ReturnType<typeof startServer>> | undefined;
		try {
			const definition = {
				sku: `AMT-${crypto.randomUUID().slice(0, 8)}`,
				name: "Made before Stripe",
				priceCents: 30,
				currency: "USD",
				totalStock: 5,
			};
			const first = await api(simulated, "POST", "/api/admin/products", {
				token: simulated.adminToken,
				body: definition,
			});
			expect(first.status, JSON.stringify(first.body)).toBe(201);
			await simulated.crash();
			withStripe = await startServer({
				stateDir: simulated.stateDir,
				env: {
					PAYMENT_PROVIDER: "stripe",
					STRIPE_SECRET_KEY: SECRET,
					STRIPE_API_BASE: stripe.stub.url,
				},
			});
			const again = await api(withStripe, "POST", "/api/admin/products", {
				token: withStripe.adminToken,
				body: definition,
			});
			expect(again.status, JSON.stringify(again.body)).toBe(201);
			expect(again.body.data).toMatchObject({ sku: definition.sku, priceCents: 30 });
			// A new SKU at that price is still refused under Stripe.
			const fresh = await api(withStripe, "POST", "/api/admin/products", {
				token: withStripe.adminToken,
				body: { ...definition, sku: `AMT-${crypto.randomUUID().slice(0, 8)}` },
			});
			expect(fresh.status).toBe(400);
			expect(fresh.body.error?.message).toMatch(/^priceCents: .*at least 50/);
		} finally {
			await withStripe?.dispose();
			await simulated.dispose();
		}
	});

	it("takes a PATCH that re-sends a stored price Stripe now refuses, and checks what it changes", async () => {
		// Stored under the simulated provider, which takes any price; then served with Stripe.
		const simulated = await startServer();
		let withStripe: Awaited<ReturnType<typeof startServer>> | undefined;
		try {
			const euros = await createProduct(simulated, {
				priceCents: 30,
				currency: "EUR",
				totalStock: 6,
				perUserLimit: 2,
			});
			await simulated.crash();
			withStripe = await startServer({
				stateDir: simulated.stateDir,
				env: {
					PAYMENT_PROVIDER: "stripe",
					STRIPE_SECRET_KEY: SECRET,
					STRIPE_API_BASE: stripe.stub.url,
				},
			});
			const server = withStripe;
			const patch = (body: Record<string, unknown>) =>
				api<{ name: string; priceCents: number; currency: string; holdSeconds: number }>(
					server,
					"PATCH",
					`/api/admin/products/${euros}`,
					{ token: server.adminToken, body },
				);
			// The console's edit form sends the whole product back: nothing about the price changed.
			const renamed = await patch({ name: "Renamed", priceCents: 30, currency: "eur" });
			expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
			expect(renamed.body.data).toMatchObject({ name: "Renamed", priceCents: 30, currency: "EUR" });
			expect((await patch({ priceCents: 30, holdSeconds: 60 })).status).toBe(200);
			expect((await patch({ currency: "EUR" })).status).toBe(200);
			// The PATCH's other fields are still checked.
			const badStock = await patch({ priceCents: 30, totalStock: -1 });
			expect(badStock.status).toBe(400);
			expect(badStock.body.error?.message).toMatch(/totalStock/);
			// A changed price Stripe refuses is still refused, naming the field that changed.
			const cheaper = await patch({ priceCents: 40, currency: "EUR" });
			expect(cheaper.status).toBe(400);
			expect(cheaper.body.error?.message).toMatch(/^priceCents: .*40 EUR.*at least 50 EUR/);
			const dirhams = await patch({ priceCents: 30, currency: "AED" });
			expect(dirhams.status).toBe(400);
			expect(dirhams.body.error?.message).toMatch(/^currency: .*30 AED.*at least 200 AED/);
			expect((await product(euros, server)).body.data).toMatchObject({
				name: "Renamed",
				priceCents: 30,
				currency: "EUR",
				holdSeconds: 60,
				totalStock: 6,
			});

			// At checkout the amount is judged whole: one unit (0.30 EUR) is refused before the hold
			// is touched; two (0.60 EUR) pay through the stub.
			const one = await newBuyer(server);
			const single = await api<{ reservationId: string }>(server, "POST", "/api/reservations", {
				token: one,
				body: { sku: euros, quantity: 1 },
			});
			expect(single.status).toBe(201);
			const refused = await api(server, "POST", "/api/checkout", {
				token: one,
				body: { reservationId: single.body.data?.reservationId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": crypto.randomUUID() },
			});
			expect(refused.status, JSON.stringify(refused.body)).toBe(400);
			expect(refused.body.error?.message).toMatch(
				/^amount: 1 × priceCents 30 = 30 EUR.*at least 50 EUR/,
			);
			const two = await newBuyer(server);
			const pair = await api<{ reservationId: string }>(server, "POST", "/api/reservations", {
				token: two,
				body: { sku: euros, quantity: 2 },
			});
			const paid = await api(server, "POST", "/api/checkout", {
				token: two,
				body: { reservationId: pair.body.data?.reservationId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": crypto.randomUUID() },
			});
			expect(paid.status, JSON.stringify(paid.body)).toBe(200);
			expect(stripe.stub.requests.at(-1)?.params).toMatchObject({ amount: "60", currency: "eur" });
		} finally {
			await withStripe?.dispose();
			await simulated.dispose();
		}
	});
});
