// POST /api/checkout (docs/api.md, "Checkout"): validate, one RPC to the SKU's object,
// which runs the payment saga and answers once the hold is PAID, kept after a
// failed payment, or released.

import { Hono } from "hono";
import { paymentMethodProblem } from "../../payment/index.ts";
import { parseBody } from "../body.ts";
import { requireKnownSku } from "../catalogue.ts";
import { CheckoutBody, plainCheckoutBody } from "../checkout-body.ts";
import { refuseAfterBody } from "../cost/middleware.ts";
import { forgetSnapshot } from "../edge-snapshot.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { idempotencyKey } from "../idempotency.ts";
import { newId, ownerOfId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireKnownShard } from "../known-shard.ts";
import { requireOwnSession } from "../middleware/auth.ts";

export const checkout = new Hono<AppEnv>();
// Paying or reading what the session owns: also after it ended, within its grace (middleware/auth.ts).
checkout.use("*", requireOwnSession);

checkout.post("/", async (c) => {
	const body = await parseBody(c, CheckoutBody, { plain: plainCheckoutBody });
	const key = idempotencyKey(c, true) as string;
	// A method the provider can never take is bad input, not a failed payment: refused before
	// the hold or the key is touched (docs/checkout.md, "Payment methods").
	const methodProblem = paymentMethodProblem(c.get("config").payment, body.paymentMethod);
	if (methodProblem !== null) throw new ApiError("invalid_request", methodProblem);
	// A session past DEMO_COST_LIMIT: refused now that its input was found good (cost/middleware.ts).
	refuseAfterBody(c);
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	const owner = ownerOfId(body.reservationId, "rsv");
	if (owner === null) return fail(c, "not_found", "No reservation of this session has that id.");
	const { sku, shard } = owner;
	await requireKnownSku(c, sku, "not_found", "No reservation of this session has that id.");
	await requireKnownShard(c, sku, shard, "No reservation of this session has that id.");
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
