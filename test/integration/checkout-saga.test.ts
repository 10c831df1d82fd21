// The saga's hard cases (docs/checkout.md): copies arriving while the provider call is in
// flight, two keys racing for one hold, a crash right after the capture, an
// outcome that stays unknown, a reset mid-charge, and a hold outliving its expiry
// while its payment is in flight. The provider is the real simulated one, backed
// by the object's SQLite; "latency" tests swap in one that takes its time.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { SimulatedProvider } from "../../src/payment/index.ts";
import type { Order } from "../../src/shared/types.ts";
import {
	availability,
	d1Orders,
	events,
	pay,
	providerStats,
	reservation,
	reserve,
	stub,
	withSaga,
} from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

/** Long enough that every copy reaches the object while the first awaits the provider. */
const SLOW_PROVIDER_MS = 150;

function slowProvider(sku: string, latencyMs = SLOW_PROVIDER_MS): Promise<void> {
	return withSaga(sku, (saga) => {
		saga.hooks.provider = new SimulatedProvider({ latencyMs, store: saga.simStore });
	});
}

describe.each([
	["at zero latency", 0],
	[`at ${SLOW_PROVIDER_MS} ms provider latency`, SLOW_PROVIDER_MS],
])("concurrent checkouts %s", (_name, latencyMs) => {
	it("answers three copies sent at once with one order and one provider call", async () => {
		const sku = await createProduct();
		if (latencyMs > 0) await slowProvider(sku, latencyMs);
		const token = await newSession();
		const id = await reserve(token, sku);
		const copies = await Promise.all(
			[1, 2, 3].map(() => pay(token, id, "pm_card_visa", "same-key")),
		);
		for (const res of copies) expect(res.status, JSON.stringify(res.body)).toBe(200);
		const orderIds = new Set(copies.map((r) => r.body.data?.orderId));
		expect(orderIds.size).toBe(1);
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 1,
			refundCalls: 0,
			captures: 1,
			refunds: 0,
		});
		expect(await availability(sku)).toMatchObject({ sold: 1, reserved: 0 });
	});

	it("lets exactly one of two different keys pay a hold; the other gets 409", async () => {
		const sku = await createProduct();
		if (latencyMs > 0) await slowProvider(sku, latencyMs);
		const token = await newSession();
		const id = await reserve(token, sku);
		const [a, b] = await Promise.all([
			pay(token, id, "pm_card_visa", "key-a"),
			pay(token, id, "pm_card_visa", "key-b"),
		]);
		expect([a?.status, b?.status].sort()).toEqual([200, 409]);
		const loser = a?.status === 409 ? a : b;
		expect(loser?.body.error?.code).toBe("invalid_state");
		expect(await reservation(token, id)).toMatchObject({ status: "PAID" });
		expect(await providerStats(sku)).toMatchObject({ captures: 1 });
	});
});

describe("checkout saga recovery", () => {
	it("finishes a saga interrupted right after the capture from the alarm: PAID, captured once", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const id = await reserve(token, sku);
		await withSaga(sku, (saga) => {
			saga.hooks.afterCharge = () => {
				throw new Error("injected crash after the provider call");
			};
		});
		const interrupted = await pay(token, id, "pm_card_visa", "crash-key");
		expect(interrupted.status).toBe(500);
		expect(await providerStats(sku)).toMatchObject({ captures: 1 });
		expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" });

		// Drop the instance (memory, hooks, in-flight state) and let the alarm resume from storage.
		await evictDurableObject(stub(sku));
		expect(await runDurableObjectAlarm(stub(sku))).toBe(true);

		const hold = await reservation(token, id);
		expect(hold?.status).toBe("PAID");
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 2,
			refundCalls: 0,
			captures: 1,
			refunds: 0,
		});
		const retried = await pay(token, id, "pm_card_visa", "crash-key");
		expect(retried.status).toBe(200);
		expect(retried.body.data?.orderId).toBe(hold?.orderId);
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 1 });
		await events(sku);
		expect((await d1Orders(sku)).map((o) => o.reservation_id)).toEqual([id]);
	});

	it("keeps the alarm that would resume an in-flight saga when another alarm runs meanwhile", async () => {
		const sku = await createProduct();
		await slowProvider(sku, 1_000);
		const token = await newSession();
		const id = await reserve(token, sku);
		const pending = pay(token, id, "pm_card_visa");
		await new Promise((r) => setTimeout(r, 200));
		// An alarm (expiry, outbox) runs while the provider call is in flight...
		expect(await runDurableObjectAlarm(stub(sku))).toBe(true);
		// ...and a durable alarm must still be set, or a crash now would strand the saga.
		const alarmAtMs = await runInDurableObject(stub(sku), (_instance, state) =>
			state.storage.getAlarm(),
		);
		expect(alarmAtMs).not.toBeNull();
		// At the saga's resume point (attempt timeout + grace, ~6 s), not the payment deadline (20 s).
		expect(alarmAtMs as number).toBeLessThan(Date.now() + 10_000);
		expect((await pending).status).toBe(200);
	});

	it("releases the hold when the outcome stays unknown, then refunds what was captured", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const id = await reserve(token, sku);
		// The provider captures, but every answer is lost on the way back.
		await withSaga(sku, (saga) => {
			saga.hooks.afterCharge = () => ({ kind: "unknown", reason: "injected lost response" });
		});
		const res = await pay(token, id, "pm_card_visa");
		expect(res.status).toBe(402);
		expect(res.body.error?.code).toBe("payment_declined");
		expect(await reservation(token, id)).toMatchObject({ status: "PAYMENT_FAILED" });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });

		await runDurableObjectAlarm(stub(sku));
		await vi.waitFor(async () => expect(await providerStats(sku)).toMatchObject({ refunds: 1 }), {
			timeout: 10_000,
			interval: 100,
		});
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		const trail = (await events(sku)).filter((e) => e.reservationId === id).map((e) => e.type);
		expect(trail).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.failed",
			"payment.refunded",
		]);
		expect(await d1Orders(sku)).toEqual([]);
	});

	it("refunds a charge that was in flight when an operator reset the SKU", async () => {
		const sku = await createProduct({ totalStock: 2 });
		await slowProvider(sku);
		const token = await newSession();
		const id = await reserve(token, sku);
		const pending = pay(token, id, "pm_card_visa", "reset-key");
		await new Promise((r) => setTimeout(r, SLOW_PROVIDER_MS / 3));
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		const res = await pending;
		expect(res.status).toBe(409);
		expect(res.body.error?.code).toBe("invalid_state");

		await runDurableObjectAlarm(stub(sku));
		await vi.waitFor(async () => expect(await providerStats(sku)).toMatchObject({ refunds: 1 }), {
			timeout: 10_000,
			interval: 100,
		});
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });
	});

	it("keeps a hold whose payment is in flight past its expiry, then pays it", async () => {
		const sku = await createProduct({ holdSeconds: 1, totalStock: 2 });
		await slowProvider(sku, 1_500);
		const token = await newSession();
		const id = await reserve(token, sku);
		const pending = pay(token, id, "pm_card_visa");
		await new Promise((r) => setTimeout(r, 1_200));
		// Past expiresAt, the hold is still held: its payment is in flight.
		expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" });
		expect(await availability(sku)).toMatchObject({ reserved: 1 });
		const res = await pending;
		expect(res.status).toBe(200);
		expect((res.body.data as Order).status).toBe("PAID");
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 0, sold: 1 });
	});
});
