// A session at the per-buyer limit and the waiting room (docs/api.md "Waiting room",
// docs/decisions/097-the-storefront-queue-and-limit-states.md): a new ticket for it is refused
// 403 `purchase_limit` and spends no admission; a ticket it already has stays its own; a
// buyer under the limit joins as before.
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { pay, reserve } from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession, stats } from "./helpers.ts";
import { createRoom, join } from "./room-support.ts";

describe.concurrent("waiting room and the per-buyer limit", { timeout: 60_000 }, () => {
	it("a session that bought or holds its limit gets no ticket (403 purchase_limit) and takes no admission", async () => {
		const sku = await createProduct({ totalStock: 6, perUserLimit: 2 });
		const [paid, holding, under] = await Promise.all([newSession(), newSession(), newSession()]);
		const order = await pay(paid, await reserve(paid, sku, 2), "pm_card_visa");
		expect(order.status, JSON.stringify(order.body)).toBe(200);
		await reserve(holding, sku, 2);
		// The operator turns a room on after these buyers reached their limit.
		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0 } },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);

		for (const token of [paid, holding]) {
			const refused = await join(sku, token);
			expect(refused.status, JSON.stringify(refused.body)).toBe(403);
			expect(refused.body.error?.code).toBe("purchase_limit");
			expect(refused.body.error?.message).toContain("per-buyer limit of 2 units");
			// The session's count beside the limit (docs/api.md "Waiting room").
			expect((refused.body.error as Record<string, unknown>).limit).toEqual({
				perUserLimit: 2,
				usedUnits: 2,
			});
			// No ticket was taken.
			expect((await call("GET", `/api/products/${sku}/queue`, { token })).status).toBe(404);
		}
		expect((await stats(sku)).queue).toMatchObject({ waiting: 0, admitted: 0, admittedTotal: 0 });

		// A buyer under the limit joins, and is admitted by the units left.
		const joined = await join(sku, under);
		expect(joined.status).toBe(201);
		expect(joined.body.data?.state).toBe("admitted");
		expect((await stats(sku)).queue).toMatchObject({ admitted: 1, admittedTotal: 1 });
	});

	it("a session past a lowered limit is told its count: 3 of 2", async () => {
		const sku = await createProduct({ totalStock: 6, perUserLimit: 3 });
		const token = await newSession();
		const order = await pay(token, await reserve(token, sku, 3), "pm_card_visa");
		expect(order.status, JSON.stringify(order.body)).toBe(200);
		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { perUserLimit: 2, waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0 } },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);
		const refused = await join(sku, token);
		expect(refused.status, JSON.stringify(refused.body)).toBe(403);
		expect(refused.body.error?.code).toBe("purchase_limit");
		expect((refused.body.error as Record<string, unknown>).limit).toEqual({
			perUserLimit: 2,
			usedUnits: 3,
		});
		expect(refused.body.error?.message).toBe(
			`This session holds or bought 3 units of ${sku}, past the per-buyer limit of 2 units, so it gets no place in the queue: a turn could buy nothing.`,
		);
	});

	it("a ticket taken before the limit was reached stays the session's: joining again answers it", async () => {
		const sku = await createRoom({ totalStock: 4, perUserLimit: 2 }, { admitSeconds: 60 });
		const token = await newSession();
		const first = await join(sku, token);
		expect(first.status).toBe(201);
		expect(first.body.data?.state).toBe("admitted");
		await reserve(token, sku, 2);
		const again = await join(sku, token);
		expect(again.status).toBe(200);
		expect(again.body.data?.ticketId).toBe(first.body.data?.ticketId);
	});
});
