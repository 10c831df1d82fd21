// The reserve's 403 `purchase_limit` (docs/api.md, Reservations;
// docs/decisions/106-room-answers-limits-and-the-cost-lock.md): its sentence names the
// per-buyer limit and says whether the session is already at it or only the asked quantity
// would cross it; and a session at the limit that the waiting room has not admitted is told
// the limit, not sent to a join that refuses it.

import { describe, expect, it } from "vitest";
import type { Product, Reservation, Ticket } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

const reserve = (
	sku: string,
	token: string,
	quantity: number,
	extra: { headers?: Record<string, string>; mode?: "eventual" } = {},
) =>
	call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity, ...(extra.mode === undefined ? {} : { mode: extra.mode }) },
		headers: extra.headers ?? {},
	});

async function refusedMessage(res: Awaited<ReturnType<typeof reserve>>): Promise<string> {
	expect(res.status, JSON.stringify(res.body)).toBe(403);
	expect(res.body.error?.code).toBe("purchase_limit");
	return String(res.body.error?.message);
}

describe.concurrent("the reserve's purchase_limit", { timeout: 60_000 }, () => {
	it("names the limit, and says whether the session is at it or the quantity would cross it", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 2 });
		const [fresh, one, two] = await Promise.all([newSession(), newSession(), newSession()]);

		const over = await refusedMessage(await reserve(sku, fresh, 3));
		expect(over).toContain(`per-buyer limit of ${sku} is 2 units`);
		expect(over).toContain("holds or bought 0 and asked for 3");
		expect(over).not.toMatch(/already/);

		expect((await reserve(sku, one, 1)).status).toBe(201);
		const key = { "idempotency-key": crypto.randomUUID() };
		const crossing = await refusedMessage(await reserve(sku, one, 2, { headers: key }));
		expect(crossing).toContain("holds or bought 1 and asked for 2");
		// A keyed repeat answers the same sentence.
		expect(await refusedMessage(await reserve(sku, one, 2, { headers: key }))).toBe(crossing);

		expect((await reserve(sku, two, 2)).status).toBe(201);
		const atLimit = await reserve(sku, two, 1);
		const at = await refusedMessage(atLimit);
		expect(at).toBe(
			`This session already holds or bought the per-buyer limit of 2 units of ${sku}.`,
		);
		// The session's count rides beside the limit (docs/api.md, Reservations).
		expect((atLimit.body.error as Record<string, unknown>).limit).toEqual({
			perUserLimit: 2,
			usedUnits: 2,
		});
	});

	it("eventual mode names the limit too", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 2 });
		const token = await newSession();
		const over = await refusedMessage(await reserve(sku, token, 3, { mode: "eventual" }));
		expect(over).toContain(`per-buyer limit of ${sku} is 2 units`);
		expect(over).toContain("asked for 3");
		// Refused before its allocations were counted: it claims no count of them.
		expect(over).not.toMatch(/holds or bought/);
		expect((await reserve(sku, token, 1, { mode: "eventual" })).status).toBe(201);
		const crossing = await refusedMessage(await reserve(sku, token, 2, { mode: "eventual" }));
		expect(crossing).toContain("holds or bought 1 and asked for 2");
	});

	for (const shards of [1, 2]) {
		const shape = shards === 1 ? "one object" : "split";
		it(`a session at the limit without an admission gets 403 purchase_limit, not 429 queued (${shape})`, async () => {
			const sku = await createProduct({ totalStock: 6, perUserLimit: 1, shards });
			const [holding, under] = await Promise.all([newSession(), newSession()]);
			expect((await reserve(sku, holding, 1)).status).toBe(201);
			const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
				token: ADMIN,
				body: { waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0 } },
			});
			expect(patched.status, JSON.stringify(patched.body)).toBe(200);

			const keyed: Record<string, string>[] = [{}, { "idempotency-key": crypto.randomUUID() }];
			for (const headers of keyed) {
				const at = await refusedMessage(await reserve(sku, holding, 1, { headers }));
				expect(at).toContain("per-buyer limit of 1 unit");
			}
			// Under the limit the room's answer stands: join the queue.
			const queued = await reserve(sku, under, 1);
			expect(queued.status).toBe(429);
			expect(queued.body.error?.code).toBe("queued");
			expect((queued.body.error as unknown as { ticket: Ticket | null }).ticket).toBeNull();
		});
	}
});
