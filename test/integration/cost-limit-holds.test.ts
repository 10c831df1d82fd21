// A session past DEMO_COST_LIMIT (docs/api.md, "Configuration (environment / secrets)";
// docs/decisions/106-room-answers-limits-and-the-cost-lock.md): every route answers 503
// `cost_limit`, except that the session may still read and cancel its own holds (a bounded
// number of times), and a route that reads a body answers bad input its 4xx first.

import { describe, expect, it } from "vitest";
import type { Reservation, Stats } from "../../src/shared/types.ts";
import { MAX_HOLD_CALLS_PAST_COST_LIMIT } from "../../src/worker/cost/middleware.ts";
import { callWith, costOf, sessionWith } from "./cost-support.ts";
import { ADMIN, createProduct } from "./helpers.ts";

/** Every session's spend is past the default limit (0) at this scale. */
const PAST = { BILLING_SCALE: "1000000" };

function expectRefused(
	res: Awaited<ReturnType<typeof callWith>>,
	what: string,
	sentence = /may still read and cancel its holds/,
): void {
	expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
	expect(res.body.error?.code).toBe("cost_limit");
	expect(res.body.error?.message).toMatch(sentence);
	expect(costOf(res).realUsd).toBeGreaterThan(0);
}

/** A SKU of 2 units and a session holding one of them, under the limit. */
async function holding(): Promise<{ sku: string; token: string; id: string }> {
	const sku = await createProduct({ totalStock: 2 });
	const { token } = await sessionWith({});
	const held = await callWith<Reservation>({}, "POST", "/api/reservations", {
		token,
		body: { sku },
	});
	expect(held.status, JSON.stringify(held.body)).toBe(201);
	return { sku, token, id: held.body.data?.reservationId as string };
}

describe.concurrent("past the demo cost limit", { timeout: 60_000 }, () => {
	it("bad input is a 400 first; good input and other routes are 503", async () => {
		const { sku, token, id } = await holding();

		expectRefused(
			await callWith(PAST, "GET", `/api/products/${sku}/availability`, { token }),
			"a read",
		);
		// Bad input is named before the budget is.
		const badReserve = await callWith(PAST, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: "two" },
		});
		expect(badReserve.status, JSON.stringify(badReserve.body)).toBe(400);
		expect(badReserve.body.error?.message).toMatch(/quantity/);
		const badCheckout = await callWith(PAST, "POST", "/api/checkout", {
			token,
			body: { reservationId: id },
			headers: { "idempotency-key": crypto.randomUUID() },
		});
		expect(badCheckout.status, JSON.stringify(badCheckout.body)).toBe(400);
		// A method the provider never takes is bad input too.
		const badMethod = await callWith(PAST, "POST", "/api/checkout", {
			token,
			body: { reservationId: id, paymentMethod: "pm_no_such_method" },
			headers: { "idempotency-key": crypto.randomUUID() },
		});
		expect(badMethod.status, JSON.stringify(badMethod.body)).toBe(400);
		expect(badMethod.body.error?.message).toMatch(/paymentMethod/);
		// Good input is refused, and decides nothing.
		expectRefused(
			await callWith(PAST, "POST", "/api/reservations", { token, body: { sku } }),
			"a reserve",
		);
		expectRefused(
			await callWith(PAST, "POST", "/api/checkout", {
				token,
				body: { reservationId: id, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": crypto.randomUUID() },
			}),
			"a checkout",
		);
	});

	it("a session reads and cancels its own hold, a bounded number of times", async () => {
		const { sku, token, id } = await holding();
		const read = await callWith<Reservation>(PAST, "GET", `/api/reservations/${id}`, { token });
		expect(read.status, JSON.stringify(read.body)).toBe(200);
		expect(read.body.data?.status).toBe("RESERVED");
		const cancelled = await callWith<Reservation>(PAST, "DELETE", `/api/reservations/${id}`, {
			token,
		});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		expect(cancelled.body.data?.status).toBe("CANCELLED");
		// The cancel was charged like any request.
		expect(costOf(cancelled).realUsd).toBeGreaterThan(0);
		const stats = await callWith<Stats>({}, "GET", `/api/admin/products/${sku}/stats`, {
			token: ADMIN,
		});
		expect(stats.body.data).toMatchObject({ available: 2, reserved: 0, sold: 0 });

		// A bound: the limit exists to stop object calls.
		let allowed = 2;
		for (; allowed < MAX_HOLD_CALLS_PAST_COST_LIMIT + 5; allowed++) {
			const again = await callWith(PAST, "GET", `/api/reservations/${id}`, { token });
			if (again.status !== 200) {
				expectRefused(again, "a read past the bound", /Its holds end at their expiresAt/);
				break;
			}
		}
		expect(allowed).toBe(MAX_HOLD_CALLS_PAST_COST_LIMIT);
		expectRefused(
			await callWith(PAST, "DELETE", `/api/reservations/${id}`, { token }),
			"a cancel past the bound",
			/Its holds end at their expiresAt/,
		);
	});
});
