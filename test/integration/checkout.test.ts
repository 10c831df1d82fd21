// POST /api/checkout and GET /api/orders/:id over the real Worker, object, D1
// and the simulated provider (docs/api.md "Checkout"; docs/checkout.md).
import { describe, expect, it } from "vitest";
import { replay } from "../../src/domain/replay.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Order, Stats } from "../../src/shared/types.ts";
import {
	availability,
	d1Orders,
	events,
	pay,
	providerStats,
	reservation,
	reserve,
} from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

const PRICE_CENTS = 1000;

describe("checkout", () => {
	it("creates one order, readable by its owner only", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 3 });
		const token = await newSession();
		const id = await reserve(token, sku, 2);

		const res = await pay(token, id, "pm_card_visa");
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const order = res.body.data as Order;
		expect(order).toMatchObject({
			reservationId: id,
			sku,
			quantity: 2,
			amountCents: 2 * PRICE_CENTS,
			currency: "USD",
			status: "PAID",
		});
		expect(order.orderId).toMatch(new RegExp(`^ord_[0-9a-f]+~${sku}$`));
		expect(Number.isNaN(Date.parse(order.paidAt))).toBe(false);

		expect(await reservation(token, id)).toMatchObject({ status: "PAID", orderId: order.orderId });
		expect(await availability(sku)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
		const read = await call<Order>("GET", `/api/orders/${order.orderId}`, { token });
		expect(read.status).toBe(200);
		expect(read.body.data).toEqual(order);
		const stranger = await call("GET", `/api/orders/${order.orderId}`, {
			token: await newSession(),
		});
		expect(stranger.status).toBe(404);
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 1,
			refundCalls: 0,
			captures: 1,
			refunds: 0,
		});
	});

	it("answers the same Idempotency-Key with the same order and calls the provider once", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const id = await reserve(token, sku);
		const first = await pay(token, id, "pm_card_visa", "key-1");
		const again = await pay(token, id, "pm_card_visa", "key-1");
		expect(first.status).toBe(200);
		expect(again.status).toBe(200);
		expect(again.body.data).toEqual(first.body.data);
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 1, captures: 1 });
	});

	// v1.1 amends v1 here (docs/api.md, "Checkout after a failed payment"): a decline
	// keeps the hold RESERVED for another payment method instead of releasing it.
	it("answers a decline with 402, keeps the hold and its units, and replays the 402", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const id = await reserve(token, sku, 2);
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 2 });

		const res = await pay(token, id, "pm_card_chargeDeclined", "decline-1");
		expect(res.status).toBe(402);
		expect(res.body.error?.code).toBe("payment_declined");
		expect(res.body.error).toMatchObject({
			payment: {
				outcome: "declined",
				charged: "no",
				holdKept: true,
				failedPayments: 1,
				maxFailedPayments: 3,
			},
		});
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 2, sold: 0 });

		const replayed = await pay(token, id, "pm_card_chargeDeclined", "decline-1");
		expect(replayed.status).toBe(402);
		expect(replayed.body.error).toEqual(res.body.error);
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 1,
			refundCalls: 0,
			captures: 0,
			refunds: 0,
		});
	});

	it("retries pm_sim_timeout with the same provider key: PAID, captured once", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const id = await reserve(token, sku);
		const res = await pay(token, id, "pm_sim_timeout");
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data?.status).toBe("PAID");
		expect(await reservation(token, id)).toMatchObject({ status: "PAID" });
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 2,
			refundCalls: 0,
			captures: 1,
			refunds: 0,
		});
	});

	// v1.1 amends v1 here: a provider that refused the charge took nothing, so the hold is kept.
	it("answers pm_sim_error with 402 naming the provider, and keeps the hold", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const id = await reserve(token, sku);
		const res = await pay(token, id, "pm_sim_error");
		expect(res.status).toBe(402);
		expect(res.body.error?.code).toBe("payment_declined");
		expect(res.body.error?.message).toMatch(/provider failed/);
		// The provider's own words are for developers: in the body, not in the buyer's sentence.
		expect(res.body.error?.message).not.toContain("api_error");
		expect(res.body.error).toMatchObject({
			payment: {
				outcome: "provider_error",
				charged: "no",
				holdKept: true,
				providerReason: "api_error: simulated provider error",
			},
		});
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 1, sold: 0 });
		expect(await providerStats(sku)).toMatchObject({ captures: 0 });
	});

	it("answers 410 after the hold expired", async () => {
		const sku = await createProduct({ holdSeconds: 1 });
		const token = await newSession();
		const id = await reserve(token, sku);
		await sleep(1_100);
		const res = await pay(token, id, "pm_card_visa");
		expect(res.status).toBe(410);
		expect(res.body.error?.code).toBe("reservation_expired");
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 0 });
	});

	it("refuses to pay a cancelled hold, and a paid one with another key", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const cancelled = await reserve(token, sku);
		expect((await call("DELETE", `/api/reservations/${cancelled}`, { token })).status).toBe(200);
		const res = await pay(token, cancelled, "pm_card_visa");
		expect(res.status).toBe(409);
		expect(res.body.error?.code).toBe("invalid_state");

		const paid = await reserve(token, sku);
		expect((await pay(token, paid, "pm_card_visa", "a")).status).toBe(200);
		const second = await pay(token, paid, "pm_card_visa", "b");
		expect(second.status).toBe(409);
		expect(second.body.error?.code).toBe("invalid_state");
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 1, captures: 1 });
	});

	it("counts paid units toward the purchase limit, and released ones no longer", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 2 });
		const token = await newSession();
		const declined = await reserve(token, sku, 2);
		// v1.1: a declined hold is kept (and still counts) until its last tolerated failure.
		for (let i = 0; i < 3; i++)
			expect((await pay(token, declined, "pm_card_chargeDeclined")).status).toBe(402);
		expect(await reservation(token, declined)).toMatchObject({ status: "PAYMENT_FAILED" });
		const id = await reserve(token, sku, 2);
		expect((await pay(token, id, "pm_card_visa")).status).toBe(200);
		const more = await call("POST", "/api/reservations", { token, body: { sku } });
		expect(more.status).toBe(403);
		expect(more.body.error?.code).toBe("purchase_limit");
	});

	it("records the saga in D1: events and the orders table, replayable to the counters", async () => {
		const sku = await createProduct({ totalStock: 4 });
		const token = await newSession();
		const paidId = await reserve(token, sku);
		const order = (await pay(token, paidId, "pm_card_visa")).body.data as Order;
		const declinedId = await reserve(token, sku);
		expect((await pay(token, declinedId, "pm_card_chargeDeclined")).status).toBe(402);

		const trail = await events(sku);
		const typesOf = (id: string) => trail.filter((e) => e.reservationId === id).map((e) => e.type);
		expect(typesOf(paidId)).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.succeeded",
			"order.created",
		]);
		// v1.1: the decline keeps the hold, so its trail ends with the attempt, not a release.
		expect(typesOf(declinedId)).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.attempt_failed",
		]);
		expect(trail.find((e) => e.type === "order.created")?.orderId).toBe(order.orderId);

		const rows = await d1Orders(sku);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			order_id: order.orderId,
			reservation_id: paidId,
			quantity: 1,
			amount_cents: PRICE_CENTS,
			currency: "USD",
			status: "PAID",
			paid_at: order.paidAt,
		});
		expect(rows[0]?.payment_id).toMatch(/^pi_sim_/);

		const stats = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
		const { total, available, reserved, sold } = stats.body.data as Stats;
		expect(replay(trail)).toEqual({ total, available, reserved, sold });
		expect({ total, available, reserved, sold }).toEqual({
			total: 4,
			available: 2,
			reserved: 1,
			sold: 1,
		});
	});
});

describe("checkout: bad input is a 4xx that changes nothing", () => {
	it("rejects every malformed or foreign request without a 5xx", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const other = await newSession();
		const id = await reserve(token, sku);
		const post = (body: unknown, headers: Record<string, string>, who: string | null = token) =>
			call("POST", "/api/checkout", { token: who ?? undefined, body, headers });
		const key = { "idempotency-key": "k-1" };

		const cases: [
			string,
			Promise<{ status: number; body: { error?: { code: string; message: string } } }>,
			number,
		][] = [
			["no Idempotency-Key", post({ reservationId: id, paymentMethod: "pm_card_visa" }, {}), 400],
			[
				"empty Idempotency-Key",
				post({ reservationId: id, paymentMethod: "pm_card_visa" }, { "idempotency-key": "" }),
				400,
			],
			["paymentMethod not a string", post({ reservationId: id, paymentMethod: 42 }, key), 400],
			["paymentMethod missing", post({ reservationId: id }, key), 400],
			[
				"reservationId not a string",
				post({ reservationId: ["x"], paymentMethod: "pm_card_visa" }, key),
				400,
			],
			["body not an object", post("hello", key), 400],
			[
				"malformed JSON",
				call("POST", "/api/checkout", {
					token,
					rawBody: "{",
					headers: { ...key, "content-type": "application/json" },
				}),
				400,
			],
			[
				"unknown reservation",
				post(
					{ reservationId: `rsv_000000000000000000000000~${sku}`, paymentMethod: "pm_card_visa" },
					key,
				),
				404,
			],
			[
				"unknown SKU in the id",
				post({ reservationId: "rsv_00~NO-SUCH-SKU-x1", paymentMethod: "pm_card_visa" }, key),
				404,
			],
			[
				"not one of our ids",
				post({ reservationId: "hello", paymentMethod: "pm_card_visa" }, key),
				404,
			],
			[
				"another session's reservation",
				post({ reservationId: id, paymentMethod: "pm_card_visa" }, key, other),
				404,
			],
			["no session", post({ reservationId: id, paymentMethod: "pm_card_visa" }, key, null), 401],
		];
		for (const [name, pending, status] of cases) {
			const res = await pending;
			expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(status);
			expect(res.body.error?.message.length, name).toBeGreaterThan(0);
		}
		const typeError = await post({ reservationId: id, paymentMethod: 42 }, key);
		expect(typeError.body.error?.message).toContain("paymentMethod");
		const missingKey = await post({ reservationId: id, paymentMethod: "pm_card_visa" }, {});
		expect(missingKey.body.error?.message).toContain("Idempotency-Key");

		const orderCases = [
			"ord_nope",
			`ord_000000000000000000000000~${sku}`,
			"%00",
			`ord_1~${"x".repeat(200)}`,
		];
		for (const orderId of orderCases) {
			const res = await call("GET", `/api/orders/${encodeURIComponent(orderId)}`, { token });
			expect(res.status, orderId).toBe(404);
		}

		// Nothing moved: the hold is still RESERVED, no provider call was made.
		expect(await reservation(token, id)).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 1, sold: 0 });
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 0 });

		// The same key with another paymentMethod after a real checkout is refused, not re-run.
		expect((await pay(token, id, "pm_card_visa", "k-2")).status).toBe(200);
		const changed = await pay(token, id, "pm_card_chargeDeclined", "k-2");
		expect(changed.status).toBe(400);
		// ...and so is the same key on another reservation of the session: it names another order.
		const second = await reserve(token, sku);
		const reused = await pay(token, second, "pm_card_visa", "k-2");
		expect(reused.status).toBe(400);
		expect(reused.body.error?.message).toContain("Idempotency-Key");
		expect(await reservation(token, second)).toMatchObject({ status: "RESERVED" });
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 1 });
	});
});
