// The checkout body (docs/api.md, POST /api/checkout): its schema, and a hand check of its common
// shape that parseBody (worker/body.ts) tries before the schema, as worker/reserve-body.ts does for
// the reserve body. The check accepts only values the schema accepts, and returns what the schema
// returns for them (test/unit/checkout-body.test.ts); anything else goes through zod, which names
// what is wrong.

import { z } from "zod";
import { MAX_ID_LENGTH } from "../payment/index.ts";

/** Our ids are ~40 characters plus the SKU (≤ 64); anything longer is not one of ours. */
export const MAX_RESERVATION_ID_LENGTH = 120;
/** What the provider receives verbatim: printable ASCII without spaces. */
const PAYMENT_METHOD_PATTERN = /^[\x21-\x7E]+$/;

export const CheckoutBody = z.object({
	reservationId: z.string().min(1).max(MAX_RESERVATION_ID_LENGTH),
	// The provider receives it verbatim: printable ASCII, bounded like every id we pass on.
	paymentMethod: z
		.string()
		.min(1)
		.max(MAX_ID_LENGTH)
		.regex(PAYMENT_METHOD_PATTERN, "must be printable ASCII without spaces"),
});
export type CheckoutBody = z.infer<typeof CheckoutBody>;

/**
 * `value` as CheckoutBody would parse it, or null when it is not the plain shape (the schema then
 * judges it): the schema's parse was ~1.4 % of a checkout's CPU profile
 * (docs/decisions/048-checkout-whole-process-profile.md).
 */
export function plainCheckoutBody(value: unknown): CheckoutBody | null {
	if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
	const { reservationId, paymentMethod } = value as Record<string, unknown>;
	if (
		typeof reservationId !== "string" ||
		reservationId.length === 0 ||
		reservationId.length > MAX_RESERVATION_ID_LENGTH
	)
		return null;
	if (
		typeof paymentMethod !== "string" ||
		paymentMethod.length > MAX_ID_LENGTH ||
		!PAYMENT_METHOD_PATTERN.test(paymentMethod)
	)
		return null;
	return { reservationId, paymentMethod };
}
