// The demo's in-browser mock answers POST /api/checkout as the Worker does with the simulated
// provider (src/web/mock/checkout.ts): an unknown payment method is 400 `invalid_request`
// naming the methods, before the hold is touched, so it spends neither the hold's allowance of
// failed payments nor the Idempotency-Key (docs/decisions/066-eventual-reset-live-with-and-payment-methods.md,
// test/integration/checkout-methods.test.ts for the server); the other bad inputs are 400s too.

import { describe, expect, it } from "vitest";
import { simMethodProblem } from "../../src/payment/sim-methods.ts";
import { TURNSTILE_DUMMY_TOKEN } from "../../src/shared/turnstile.ts";
import { ApiClient } from "../../src/web/api/client.ts";
import { MockBackend } from "../../src/web/mock/backend.ts";
import { mockBuyer } from "../support/mock-buyer.ts";

/** A signed-in client of a new mock, its sandbox, and a hold of one unit on it. */
async function holder(): Promise<{ api: ApiClient; mock: MockBackend; sku: string; id: string }> {
	const mock = new MockBackend();
	const { api, sandboxSku: sku } = await mockBuyer(mock);
	const hold = await api.reserve(sku, { quantity: 1 });
	if (!hold.ok) throw new Error(hold.message);
	return { api, mock, sku, id: hold.data.reservationId };
}

const outcome = (r: { ok: boolean; status?: number; code?: string }) =>
	r.ok ? 200 : [r.status, r.code];

describe("the mock's checkout", () => {
	it("refuses an unknown payment method with the server's 400, spending neither the hold's allowance nor the key", async () => {
		const { api, sku, id } = await holder();
		// More typos than the hold tolerates failed payments (3).
		for (const typo of ["pm_card_vsia", "pm_card_visa ", "visa", "pm_sim_errror"]) {
			const r = await api.checkout(id, typo, `typo-${typo}`);
			expect(outcome(r)).toEqual([400, "invalid_request"]);
			// A space is not an id at all (the body's shape); the others are ids the provider does not know.
			expect(r.ok ? "" : r.message).toBe(
				typo.includes(" ")
					? "paymentMethod: must be 1 to 255 printable ASCII characters without spaces"
					: simMethodProblem(typo),
			);
		}
		// The hold is as it was: a decline is its first failed payment.
		const declined = await api.checkout(id, "pm_card_chargeDeclined", "declined-1");
		expect(outcome(declined)).toEqual([402, "payment_declined"]);
		expect(declined.ok ? null : declined.payment).toMatchObject({
			outcome: "declined",
			charged: "no",
			holdKept: true,
			failedPayments: 1,
			maxFailedPayments: 3,
		});
		// The first typo's key was not spent: with a known method it pays.
		const paid = await api.checkout(id, "pm_card_visa", "typo-pm_card_vsia");
		expect(outcome(paid)).toBe(200);
		expect(paid.ok && paid.data).toMatchObject({
			reservationId: id,
			sku,
			quantity: 1,
			status: "PAID",
		});
		// The same key again: the same order, never a second charge.
		const again = await api.checkout(id, "pm_card_visa", "typo-pm_card_vsia");
		expect(again.ok && paid.ok && again.data.orderId).toBe(paid.ok && paid.data.orderId);
		const order = paid.ok ? await api.order(paid.data.orderId) : null;
		expect(order?.ok && order.data.status).toBe("PAID");
		const stock = await api.availability(sku);
		expect(stock.ok && [stock.data.sold, stock.data.reserved]).toEqual([1, 0]);
	});

	it("answers a missing Idempotency-Key, a bad body and another session's hold as the Worker does", async () => {
		const { api, mock, id } = await holder();
		const noKey = await mock.send({
			method: "POST",
			path: "/api/checkout",
			headers: { authorization: `Bearer ${api.token}` },
			body: { reservationId: id, paymentMethod: "pm_card_visa" },
		});
		expect([noKey.status, (noKey.body as { error: { message: string } }).error.message]).toEqual([
			400,
			"Idempotency-Key header is required.",
		]);
		const noId = await api.checkout("", "pm_card_visa", "k-1");
		expect(outcome(noId)).toEqual([400, "invalid_request"]);
		expect(noId.ok ? "" : noId.message).toMatch(/^reservationId: /);

		const other = new ApiClient(mock);
		const session = await other.createSession(TURNSTILE_DUMMY_TOKEN);
		other.token = session.ok ? session.data.token : null;
		const theirs = await other.checkout(id, "pm_card_visa", "k-2");
		expect(outcome(theirs)).toEqual([404, "not_found"]);
		// Nothing of that changed the hold: its owner pays it.
		expect(outcome(await api.checkout(id, "pm_card_visa", "k-3"))).toBe(200);
	});

	it("releases the hold at the third failed payment, and pays the slow provider's method on its retry", async () => {
		const { api, sku, id } = await holder();
		const kept = [];
		for (const key of ["e-1", "e-2", "e-3"]) {
			const r = await api.checkout(id, "pm_sim_error", key);
			kept.push(r.ok ? null : [r.status, r.payment?.outcome, r.payment?.holdKept]);
		}
		expect(kept).toEqual([
			[402, "provider_error", true],
			[402, "provider_error", true],
			[402, "provider_error", false],
		]);
		expect(outcome(await api.checkout(id, "pm_card_visa", "e-4"))).toEqual([409, "invalid_state"]);
		const next = await api.reserve(sku, { quantity: 1 });
		const slow = next.ok
			? await api.checkout(next.data.reservationId, "pm_sim_timeout", "t-1")
			: null;
		expect(slow?.ok && slow.data.status).toBe("PAID");
	});

	it("keeps an unknown method's 400 without a session's hold too: the method is checked first", async () => {
		const { api } = await holder();
		const r = await api.checkout("rsv_nothing~NOPE", "pm_nope", "k-4");
		expect(outcome(r)).toEqual([400, "invalid_request"]);
		expect(r.ok ? "" : r.message).toBe(simMethodProblem("pm_nope"));
	});
});
