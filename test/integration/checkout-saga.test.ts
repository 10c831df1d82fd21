// The saga's hard cases (docs/checkout.md): copies arriving while the provider call is in
// flight, two keys racing for one hold, a crash right after the capture, an
// outcome that stays unknown, a reset mid-charge, and a hold outliving its expiry
// while its payment is in flight. The provider is the real simulated one, backed
// by the object's SQLite; "latency" tests swap in one that takes its time.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Order } from "../../src/shared/types.ts";
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

/** Long enough that every copy reaches the object while the first awaits the provider. */
const SLOW_PROVIDER_MS = 150;
/** A charge something must interrupt (a reset, an alarm): long enough for it to arrive during it. */
const RESET_PROVIDER_MS = 2_000;

function slowProvider(sku: string, latencyMs = SLOW_PROVIDER_MS): Promise<void> {
	return withPayments(sku, (payments) => {
		payments.latencyMs = latencyMs;
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

/**
 * A 2-unit SKU whose provider is slow, a hold of it paid under `key`, and an operator's reset
 * while that charge is in flight; the checkout's answer. The reset must land while the charge
 * is in flight: once the payment is seen started, it has the provider's whole latency to
 * arrive (a fixed 50 ms wait let a loaded machine deliver the payment after the reset, which
 * then found no hold: 404).
 */
async function resetDuringCharge(key: string) {
	const sku = await createProduct({ totalStock: 2 });
	await slowProvider(sku, RESET_PROVIDER_MS);
	const token = await newSession();
	const id = await reserve(token, sku);
	const pending = pay(token, id, "pm_card_visa", key);
	await vi.waitFor(
		async () => expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" }),
		{ timeout: 15_000, interval: 20 },
	);
	const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
	expect(reset.status).toBe(200);
	return { sku, token, id, answer: await pending };
}

describe("checkout saga recovery", () => {
	it("finishes a saga interrupted right after the capture from the alarm: PAID, captured once", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const id = await reserve(token, sku);
		await withPayments(sku, (payments) => {
			payments.afterCharge = () => {
				throw new Error("injected crash after the provider call");
			};
		});
		const interrupted = await pay(token, id, "pm_card_visa", "crash-key");
		expect(interrupted.status).toBe(500);
		expect(await providerStats(sku)).toMatchObject({ captures: 1 });
		expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" });

		// Drop the instance (memory, in-flight state, the crashing provider) and let the alarm
		// resume from storage.
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
		await slowProvider(sku, RESET_PROVIDER_MS);
		const token = await newSession();
		const id = await reserve(token, sku);
		const pending = pay(token, id, "pm_card_visa");
		// In flight once seen (a fixed 200 ms wait could run the alarm before the payment began).
		await vi.waitFor(
			async () =>
				expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" }),
			{ timeout: 15_000, interval: 20 },
		);
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
		await withPayments(sku, (payments) => {
			payments.afterCharge = () => ({ kind: "unknown", reason: "injected lost response" });
		});
		const res = await pay(token, id, "pm_card_visa");
		expect(res.status).toBe(402);
		expect(res.body.error?.code).toBe("payment_declined");
		expect(await reservation(token, id)).toMatchObject({ status: "PAYMENT_FAILED" });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });

		// The provider's answers get through again: the compensation learns of the capture.
		await withPayments(sku, (payments) => {
			payments.afterCharge = null;
		});

		await compensate(sku);
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		const trail = await trailOf(sku, id);
		expect(trail).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.failed",
			"payment.refunded",
		]);
		expect(await d1Orders(sku)).toEqual([]);
	});

	it("never charges when the compensation finds that no charge reached the provider", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const id = await reserve(token, sku);
		// Every attempt is lost before the provider reads it (connection refused, DNS, ...).
		await withPayments(sku, (payments) => {
			payments.chargesNeverArrive = true;
		});
		const res = await pay(token, id, "pm_card_visa");
		expect(res.status).toBe(402);
		expect(res.body.error?.code).toBe("payment_declined");
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });

		// The network heals. The compensation looks the charge up (a charge now would be the
		// first the provider sees, and would capture): nothing there, so the payment ends failed.
		await withPayments(sku, (payments) => {
			payments.chargesNeverArrive = false;
		});
		const step = () =>
			runInDurableObject(
				stub(sku),
				(_instance, state) =>
					state.storage.sql
						.exec<{ step: string }>("SELECT step FROM checkouts WHERE reservation_id = ?", id)
						.one().step,
			);
		await runDurableObjectAlarm(stub(sku));
		await vi.waitFor(async () => expect(await step()).toBe("failed"), {
			timeout: 10_000,
			interval: 100,
		});
		expect(await withPayments(sku, (payments) => payments.lookups)).toEqual([{ kind: "none" }]);
		// The probe charged nothing: no capture, nothing to refund.
		expect(await providerStats(sku)).toEqual({
			chargeCalls: 0,
			refundCalls: 0,
			captures: 0,
			refunds: 0,
		});
		// One of the lost charges arrives late: its key was spent by the lookup, it takes nothing.
		const late = await withPayments(sku, (payments) => {
			const lost = payments.neverArrived[0];
			if (lost === undefined) throw new Error("no charge was lost");
			return payments.charge(lost);
		});
		expect(late).toMatchObject({ kind: "error" });
		expect(await providerStats(sku)).toMatchObject({ captures: 0, refunds: 0 });
		expect(await trailOf(sku, id)).toEqual([
			"reservation.created",
			"checkout.started",
			"payment.failed",
		]);
	});

	it("refunds a charge that was in flight when an operator reset the SKU", async () => {
		const { sku, answer: res } = await resetDuringCharge("reset-key");
		expect(res.status).toBe(409);
		expect(res.body.error?.code).toBe("invalid_state");

		await compensate(sku);
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });
	});

	it("answers a retried checkout of a payment a reset interrupted with its outcome, before and after the refund", async () => {
		const { sku, token, id, answer: first } = await resetDuringCharge("reset-retry-key");
		expect(first.status).toBe(409);
		const message = first.body.error?.message;
		expect(message).toMatch(/operator reset; any amount taken will be refunded/);
		// The object's own answer says it is a replay (the HTTP envelope does not carry it).
		const sessionId = await runInDurableObject(
			stub(sku),
			(_instance, state) =>
				state.storage.sql
					.exec<{ session_id: string }>(
						"SELECT session_id FROM checkouts WHERE reservation_id = ?",
						id,
					)
					.one().session_id,
		);
		const rpc = (key: string) =>
			stub(sku).checkout({
				reservationId: id,
				sessionId,
				idempotencyKey: key,
				paymentMethod: "pm_card_visa",
				orderId: `ord-unused-${key}`,
			});

		for (const when of ["before the refund", "after the refund"]) {
			if (when === "after the refund") {
				await compensate(sku);
				expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
			}
			const again = await pay(token, id, "pm_card_visa", "reset-retry-key");
			expect(again.status, when).toBe(409);
			expect(again.body.error, when).toMatchObject({ code: "invalid_state", message });
			expect(await rpc("reset-retry-key"), when).toMatchObject({
				ok: false,
				code: "invalid_state",
				message,
				replayed: true,
			});
			// Another key cannot start a payment of the cleared reservation: 409, not 404.
			const other = await pay(token, id, "pm_card_visa", `other-key ${when}`);
			expect(other.status, when).toBe(409);
			expect(other.body.error?.code, when).toBe("invalid_state");
			// Another session is still told the reservation does not exist.
			const stranger = await pay(await newSession(), id, "pm_card_visa", "reset-retry-key");
			expect(stranger.status, when).toBe(404);
		}
		// Nothing was charged again and the stock is whole.
		expect(await providerStats(sku)).toMatchObject({ captures: 1, refunds: 1 });
		expect(await availability(sku)).toMatchObject({ available: 2, reserved: 0, sold: 0 });
	});

	it("keeps a hold whose payment is in flight past its expiry, then pays it", async () => {
		// The payment must start inside the hold and still be in flight once the hold's expiresAt
		// has passed. It starts after the reserve and the provider takes 1 s longer than the
		// whole hold, so it is in flight 200 ms past expiresAt whenever it started in time; 2 s
		// gives a loaded machine time to start it (a 1 s hold left it little).
		const sku = await createProduct({ holdSeconds: 2, totalStock: 2 });
		await slowProvider(sku, 3_000);
		const token = await newSession();
		const id = await reserve(token, sku);
		const expiresAtMs = Date.parse((await reservation(token, id))?.expiresAt ?? "");
		const pending = pay(token, id, "pm_card_visa");
		await sleep(Math.max(0, expiresAtMs - Date.now()) + 200);
		// Past expiresAt, the hold is still held: its payment is in flight.
		expect(await reservation(token, id)).toMatchObject({ status: "CHECKOUT_PENDING" });
		expect(await availability(sku)).toMatchObject({ reserved: 1 });
		const res = await pending;
		expect(res.status).toBe(200);
		expect((res.body.data as Order).status).toBe("PAID");
		expect(await availability(sku)).toMatchObject({ available: 1, reserved: 0, sold: 1 });
	});
});

describe("checkout sagas resumed after a crash", () => {
	/** More sagas than one alarm run resumes (MAX_SAGAS_PER_ALARM), so two runs are needed. */
	const SAGAS = 40;
	/** What is left of each saga's payment window when the object comes back. */
	const WINDOW_LEFT_MS = 300;
	/** Slower than what is left of the window, well inside one provider timeout. */
	const RESUMED_PROVIDER_MS = 1_000;

	it("gives each a full provider timeout from the resume moment: all end paid, none refunded", async () => {
		const sku = await createProduct({ totalStock: SAGAS, perUserLimit: SAGAS });
		const token = await newSession();
		const ids: string[] = [];
		for (let i = 0; i < SAGAS; i++) ids.push(await reserve(token, sku));
		// Every charge is captured, then the process dies before it is recorded.
		await withPayments(sku, (payments) => {
			payments.afterCharge = () => {
				throw new Error("injected crash after the provider call");
			};
		});
		const interrupted = await Promise.all(ids.map((id) => pay(token, id, "pm_card_visa")));
		for (const res of interrupted) expect(res.status).toBe(500);
		expect(await providerStats(sku)).toMatchObject({ captures: SAGAS });
		// The restart took all but WINDOW_LEFT_MS of every payment window: the same rows a
		// slow restart, or a long queue of sagas resumed before these, leaves behind.
		await runInDurableObject(stub(sku), (_instance, state) => {
			state.storage.sql.exec(
				"UPDATE checkouts SET deadline = ? WHERE step = 'charging'",
				Date.now() + WINDOW_LEFT_MS,
			);
		});
		await evictDurableObject(stub(sku));
		// The provider answers the replays slowly, as it would under the load of a restart.
		await slowProvider(sku, RESUMED_PROVIDER_MS);

		await vi.waitFor(
			async () => {
				await runDurableObjectAlarm(stub(sku));
				const settled = await Promise.all(ids.map((id) => reservation(token, id)));
				expect(settled.filter((h) => h?.status === "CHECKOUT_PENDING")).toEqual([]);
			},
			{ timeout: 20_000, interval: 50 },
		);
		const holds = await Promise.all(ids.map((id) => reservation(token, id)));
		expect(holds.map((h) => h?.status)).toEqual(ids.map(() => "PAID"));
		expect(await providerStats(sku)).toMatchObject({ captures: SAGAS, refunds: 0 });
		expect(await availability(sku)).toMatchObject({ sold: SAGAS, reserved: 0 });
		await events(sku);
		expect((await d1Orders(sku)).length).toBe(SAGAS);
	});
});
