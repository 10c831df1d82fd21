// A session that ended, inside its grace (docs/decisions/086-a-sessions-end-and-what-it-owns.md),
// and past DEMO_COST_LIMIT: it is judged as a live one is (decision 106). It may still read and
// cancel its own hold a bounded number of times, and paying is refused, where before the limit
// passed it by: the cost check took an ended session as none. The clock is the test's own.
import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { MAX_HOLD_CALLS_PAST_COST_LIMIT } from "../../src/worker/cost/middleware.ts";
import { callWith, sessionWith } from "./cost-support.ts";
import { withHeldClock } from "./held-clock.ts";
import { createProduct } from "./helpers.ts";

/** Every session's spend is past the default limit (0) at this scale. */
const PAST = { BILLING_SCALE: "1000000" };

describe("an ended session in its grace, past the demo cost limit", { timeout: 60_000 }, () => {
	it("is refused a payment, and reads its hold a bounded number of times", async () => {
		const sku = await createProduct({ totalStock: 2, holdSeconds: 600 });
		await withHeldClock(async (setMs) => {
			const { token, res } = await sessionWith({});
			const endMs = Date.parse((res.body.data as unknown as { expiresAt: string }).expiresAt);
			setMs(endMs - 5_000);
			const held = await callWith<Reservation>({}, "POST", "/api/reservations", {
				token,
				body: { sku },
			});
			expect(held.status, JSON.stringify(held.body)).toBe(201);
			const id = held.body.data?.reservationId as string;

			// The session has ended; its hold has ten minutes left.
			setMs(endMs + 10_000);
			const pay = await callWith(PAST, "POST", "/api/checkout", {
				token,
				body: { reservationId: id, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": crypto.randomUUID() },
			});
			expect(pay.status, JSON.stringify(pay.body)).toBe(503);
			expect(pay.body.error?.code).toBe("cost_limit");

			let allowed = 0;
			for (; allowed < MAX_HOLD_CALLS_PAST_COST_LIMIT + 5; allowed++) {
				const read = await callWith<Reservation>(PAST, "GET", `/api/reservations/${id}`, {
					token,
				});
				if (read.status !== 200) {
					expect(read.status, JSON.stringify(read.body)).toBe(503);
					expect(read.body.error?.code).toBe("cost_limit");
					break;
				}
				expect(read.body.data?.status).toBe("RESERVED");
			}
			expect(allowed).toBe(MAX_HOLD_CALLS_PAST_COST_LIMIT);
		});
	});
});
