// The reserve body (docs/api.md, POST /api/reservations): its schema, and a hand check of its
// common shape that parseBody (worker/body.ts) tries before the schema. The check accepts only
// values the schema accepts, and returns what the schema returns for them
// (test/unit/reserve-body.test.ts); anything else goes through zod, which names what is wrong.

import { z } from "zod";
import { MAX_QUANTITY, SKU_PATTERN } from "../domain/bounds.ts";

export const ReserveBody = z.object({
	sku: z.string().regex(SKU_PATTERN, "must be 1–64 of A-Z a-z 0-9 . _ -"),
	quantity: z.number().int().min(1).max(MAX_QUANTITY).optional(),
	mode: z.enum(["safe", "eventual"]).optional(),
});
export type ReserveBody = z.infer<typeof ReserveBody>;

/**
 * `value` as ReserveBody would parse it, or null when it is not the plain shape (the schema then
 * judges it). A sixth of a sold-out answer went to reading and validating its body, the schema
 * a quarter of that (docs/hot-path/edge-cost.md, "Edge CPU of a reserve and a sold-out answer").
 */
export function plainReserveBody(value: unknown): ReserveBody | null {
	if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
	const { sku, quantity, mode } = value as Record<string, unknown>;
	if (typeof sku !== "string" || !SKU_PATTERN.test(sku)) return null;
	const body: ReserveBody = { sku };
	if (quantity !== undefined) {
		if (
			typeof quantity !== "number" ||
			!Number.isSafeInteger(quantity) ||
			quantity < 1 ||
			quantity > MAX_QUANTITY
		)
			return null;
		body.quantity = quantity;
	}
	if (mode !== undefined) {
		if (mode !== "safe" && mode !== "eventual") return null;
		body.mode = mode;
	}
	return body;
}
