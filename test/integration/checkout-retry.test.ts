// Checkout after a failed payment (docs/api.md, "Checkout after a failed payment"):
// a payment that took nothing keeps the hold RESERVED until its own expiresAt, so
// the buyer can pay with another method under a new Idempotency-Key; the
// MAX_FAILED_PAYMENTS_PER_HOLD-th failure releases it; a payment whose outcome stays
// unknown is released and compensated as before, and says so.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_FAILED_PAYMENTS_PER_HOLD } from "../../src/domain/checkout-policy.ts";
import { replay } from "../../src/domain/replay.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Order, PaymentFailure, Stats } from "../../src/shared/types.ts";
import {
	availability,
	compensate,
	d1Orders,
	events,
	pay,
	providerStats,
	reservation,
	reserve,
	stub,
	trailOf,
	withPayments,
} from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

const DECLINED = "pm_card_chargeDeclined";
const PROVIDER_ERROR = "pm_sim_error";

const paymentOf = (res: { body: { error?: unknown } }) =>
	(res.body.error as { payment?: PaymentFailure } | undefined)?.payment;

describe("checkout after a failed payment", () => {
	it("keeps the hold through a decline; a second method pays it, captured once", async () => {
		const sku = await createProduct({ totalStock: 3, perUserLimit: 2 });
		const token = await newSession();
		const id = await reserve(token, sku, 2);

		const declined = await pay(token, id, DECLINED, "card-1");
		expect(declined.status).toBe(402);
		expect(declined.body.error?.message).toMatch(/declined .*nothing was charged/);
		expect(declined.body.error?.message).toMatch(/kept until it expires: pay with another method/);
		// The provider's code is for developers: in the body, not in the buyer's sentence.
		expect(declined.body.error?.message).not.toContain("generic_decline");
		expect(paymentOf(declined)).toEqual({
			outcome: "declined",
			charged: "no",
			holdKept: true,
			failedPayments: 1,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
			providerReason: "generic_decline",
		});
		const held = await reservation(token, id);
		expect(held).toMatchObject({ status: "RESERVED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 2, sold: 0 });

		const paid = await pay(token, id, "pm_card_visa", "card-2");
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		const order = paid.body.data as Order;
		expect(order).toMatchObject({ reservationId: id, quantity: 2, status: "PAID" });
		expect(await reservation(token, id)).toMatchObject({ status: "PAID", orderId: order.orderId });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 0, sold: 2 });
		// Each key still answers its own outcome.
		expect((await pay(token, id, DECLINED, "card-1")).body.error).toEqual(declined.body.error);
		expect((await pay(token, id, "pm_card_visa", "card-2")).body.data).toEqual(order);
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 2,
			refundCalls: 0,
			captures: 1,
			refunds: 0,
		});

		const trail = await events(sku);
		expect(trail.filter((e) => e.reservationId === id).map((e) => e.type)).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.attempt_failed",
			"checkout.started",
			"payment.succeeded",
			"order.created",
		]);
		expect(trail.find((e) => e.type === "payment.attempt_failed")?.detail).toMatchObject({
			failedPayments: 1,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		});
		const stats = (await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN }))
			.body.data as Stats;
		const { total, available, reserved, sold } = stats;
		expect(replay(trail)).toEqual({ total, available, reserved, sold });
		expect((await d1Orders(sku)).map((o) => o.order_id)).toEqual([order.orderId]);
	});

	it(`releases the hold at the ${MAX_FAILED_PAYMENTS_PER_HOLD}th failed payment, units back at once`, async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const id = await reserve(token, sku);
		const methods = [DECLINED, PROVIDER_ERROR, DECLINED];
		expect(methods).toHaveLength(MAX_FAILED_PAYMENTS_PER_HOLD);
		const answers = [];
		for (const [i, method] of methods.entries()) {
			const res = await pay(token, id, method, `try-${i}`);
			expect(res.status).toBe(402);
			answers.push(res);
			const last = i === methods.length - 1;
			expect(paymentOf(res)).toMatchObject({ failedPayments: i + 1, holdKept: !last });
			expect(await reservation(token, id)).toMatchObject({
				status: last ? "PAYMENT_FAILED" : "RESERVED",
			});
			expect(await availability(sku)).toMatchObject({
				available: last ? 2 : 1,
				reserved: last ? 0 : 1,
			});
		}
		expect(answers[1]?.body.error?.message).toMatch(/provider failed .*nothing was charged/);
		expect(answers[2]?.body.error?.message).toMatch(
			new RegExp(
				`failed payment ${MAX_FAILED_PAYMENTS_PER_HOLD} of ${MAX_FAILED_PAYMENTS_PER_HOLD} .*released`,
			),
		);
		// Released: a new key cannot pay it; the earlier keys replay their own answers.
		const after = await pay(token, id, "pm_card_visa", "try-after");
		expect(after.status).toBe(409);
		expect(after.body.error?.code).toBe("invalid_state");
		for (const [i, method] of methods.entries()) {
			const again = await pay(token, id, method, `try-${i}`);
			expect(again.body.error).toEqual(answers[i]?.body.error);
		}
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 3, captures: 0 });
		const types = await trailOf(sku, id);
		expect(types.filter((t) => t === "payment.attempt_failed")).toHaveLength(2);
		expect(types.at(-1)).toBe("payment.failed");
	});

	it("lets a kept hold expire at its own expiresAt, units back", async () => {
		// 4 s: the decline must come back before the hold ends for the hold to be kept (the
		// reserve, the payment's start and its answer take a second or more on a loaded machine).
		const sku = await createProduct({ totalStock: 1, holdSeconds: 4 });
		const token = await newSession();
		const id = await reserve(token, sku);
		expect((await pay(token, id, DECLINED)).status).toBe(402);
		expect(await availability(sku)).toMatchObject({ available: 0, reserved: 1 });
		const expiresAtMs = Date.parse((await reservation(token, id))?.expiresAt ?? "");
		// The object's alarm is due by the kept hold's expiry, so nobody has to read to free it.
		const alarmAtMs = await runInDurableObject(stub(sku), (_i, state) => state.storage.getAlarm());
		expect(alarmAtMs).not.toBeNull();
		expect(alarmAtMs as number).toBeLessThanOrEqual(expiresAtMs);
		await sleep(Math.max(0, expiresAtMs - Date.now()) + 100);
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 0 });
		expect(await reservation(token, id)).toMatchObject({ status: "EXPIRED" });
		const late = await pay(token, id, "pm_card_visa");
		expect(late.status).toBe(410);
	});

	it("releases the hold when the decline arrives after its expiresAt, and says why", async () => {
		// The provider takes longer than the whole hold, so a decline for a payment started
		// after the reserve always arrives after expiresAt; the 4 s hold leaves the payment
		// time to start before it ends on a loaded machine.
		const sku = await createProduct({ totalStock: 1, holdSeconds: 4 });
		await withPayments(sku, (payments) => {
			payments.latencyMs = 4_300;
		});
		const token = await newSession();
		const id = await reserve(token, sku);
		const res = await pay(token, id, DECLINED);
		expect(res.status).toBe(402);
		expect(res.body.error?.message).toMatch(/nothing was charged.*time ran out/);
		expect(paymentOf(res)).toMatchObject({ outcome: "declined", holdKept: false });
		expect(await reservation(token, id)).toMatchObject({ status: "PAYMENT_FAILED" });
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 0 });
	});

	it("refuses a failed key with another method, or on another reservation, and two new keys at once", async () => {
		const sku = await createProduct({ totalStock: 4, perUserLimit: 4 });
		const token = await newSession();
		const id = await reserve(token, sku);
		expect((await pay(token, id, DECLINED, "k-declined")).status).toBe(402);

		const switched = await pay(token, id, "pm_card_visa", "k-declined");
		expect(switched.status).toBe(400);
		expect(switched.body.error?.message).toContain("new key");
		const other = await reserve(token, sku);
		const reused = await pay(token, other, DECLINED, "k-declined");
		expect(reused.status).toBe(400);
		expect(reused.body.error?.message).toContain("another reservation");
		expect(await reservation(token, other)).toMatchObject({ status: "RESERVED" });

		const [a, b] = await Promise.all([
			pay(token, id, "pm_card_visa", "k-a"),
			pay(token, id, "pm_card_visa", "k-b"),
		]);
		expect([a.status, b.status].sort()).toEqual([200, 409]);
		expect(await providerStats(sku)).toMatchObject({ chargeCalls: 2, captures: 1 });
	});

	it("releases and refunds a later payment whose outcome stays unknown, and never says nothing was charged", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const id = await reserve(token, sku);
		expect((await pay(token, id, DECLINED)).status).toBe(402);
		// The second payment captures, but every answer is lost on the way back.
		await withPayments(sku, (payments) => {
			payments.afterCharge = () => ({ kind: "unknown", reason: "injected lost response" });
		});
		const res = await pay(token, id, "pm_card_visa");
		expect(res.status).toBe(402);
		expect(res.body.error?.message).toMatch(/did not confirm the charge in time/);
		expect(res.body.error?.message).toMatch(/will be refunded/);
		expect(res.body.error?.message).not.toMatch(/nothing was charged/i);
		expect(paymentOf(res)).toEqual({
			outcome: "not_confirmed",
			charged: "unknown",
			holdKept: false,
			failedPayments: 2,
			maxFailedPayments: MAX_FAILED_PAYMENTS_PER_HOLD,
		});
		expect(await reservation(token, id)).toMatchObject({ status: "PAYMENT_FAILED" });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0 });

		// The compensation asks with the second payment's own provider key and refunds its capture
		// once the provider's answers get through again.
		await withPayments(sku, (payments) => {
			payments.afterCharge = null;
		});
		await compensate(sku);
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		const types = await trailOf(sku, id);
		expect(types).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.attempt_failed",
			"checkout.started",
			"payment.failed",
			"payment.refunded",
		]);
	});
});
