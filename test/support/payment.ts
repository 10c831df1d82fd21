// A charge request as the checkout saga would make it, for the payment providers'
// tests (src/payment). Runtime-neutral.

import type { ChargeRequest } from "../../src/payment/provider.ts";

/** $49.99 with a fresh idempotency key, unless `overrides` say otherwise. */
export function chargeRequest(
	paymentMethod: string,
	overrides: Partial<ChargeRequest> = {},
): ChargeRequest {
	return {
		amountCents: 4_999,
		currency: "USD",
		paymentMethod,
		idempotencyKey: `chk_${crypto.randomUUID()}`,
		...overrides,
	};
}
