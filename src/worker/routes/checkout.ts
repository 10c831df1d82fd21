// POST /api/checkout (docs/api.md, "Checkout"): validate, one RPC to the SKU's object,
// which runs the payment saga and answers once the hold is PAID, kept after a
// failed payment, or released.

import { Hono } from "hono";
import { z } from "zod";
import { MAX_ID_LENGTH } from "../../payment/index.ts";
import { parseBody } from "../body.ts";
import { requireKnownSku } from "../catalogue.ts";
import { forgetSnapshot } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { idempotencyKey } from "../idempotency.ts";
import { newId, ownerOfId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireSession } from "../middleware/auth.ts";

/** Our ids are ~40 characters plus the SKU (≤ 64); anything longer is not one of ours. */
const MAX_RESERVATION_ID_LENGTH = 120;

const CheckoutBody = z.object({
	reservationId: z.string().min(1).max(MAX_RESERVATION_ID_LENGTH),
	// The provider receives it verbatim: printable ASCII, bounded like every id we pass on.
	paymentMethod: z
		.string()
		.min(1)
		.max(MAX_ID_LENGTH)
		.regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces"),
});

export const checkout = new Hono<AppEnv>();
checkout.use("*", requireSession);

checkout.post("/", async (c) => {
	const body = await parseBody(c, CheckoutBody);
	const key = idempotencyKey(c, true) as string;
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	const owner = ownerOfId(body.reservationId, "rsv");
	if (owner === null) return fail(c, "not_found", "No reservation of this session has that id.");
	const { sku, shard } = owner;
	await requireKnownSku(c, sku, "not_found", "No reservation of this session has that id.");
	const result = await inventory(c.env, sku, shard).checkout({
		reservationId: body.reservationId,
		sessionId: session.sessionId,
		idempotencyKey: key,
		paymentMethod: body.paymentMethod,
		orderId: newId("ord", sku, shard),
	});
	// Units moved (sold, or back after a failed payment): this isolate asks the object next time.
	forgetSnapshot(sku);
	if (result.ok) return ok(c, result.order);
	return fail(
		c,
		result.code,
		result.message,
		{},
		result.payment === undefined ? {} : { payment: result.payment },
	);
});
