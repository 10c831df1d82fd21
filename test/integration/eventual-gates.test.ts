// Eventual mode (the demo's naive D1 path, src/worker/eventual.ts) keeps the drop's rules
// for a buyer as the safe path does (docs/api.md, "Demo modes"): a session the waiting room
// has not admitted gets 429 `queued` with its ticket, and the purchase limit holds for the
// attempt's quantity and the session's earlier eventual allocations. Before, eventual mode
// answered 201 past both, on any product.

import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";
import { createRoom, join } from "./room-support.ts";

const eventual = (token: string, sku: string, quantity = 1) =>
	call<{ reservationId: string }>("POST", "/api/reservations", {
		token,
		body: { sku, quantity, mode: "eventual" },
	});
async function allocated(sku: string): Promise<number> {
	const res = await call<{ eventual: { allocated: number } }>(
		"GET",
		`/api/admin/products/${sku}/stats`,
		{ token: ADMIN },
	);
	expect(res.status).toBe(200);
	return res.body.data?.eventual.allocated ?? -1;
}

describe("eventual mode's gates", () => {
	for (const shards of [1, 2]) {
		it(`answers a session the room has not admitted 429 queued (${shards} object${shards === 1 ? "" : "s"})`, async () => {
			const sku = await createRoom({ totalStock: 1, shards, perUserLimit: 5 });
			const [none, first, second] = await Promise.all([newSession(), newSession(), newSession()]);

			const noTicket = await eventual(none, sku);
			expect(noTicket.status).toBe(429);
			expect(noTicket.body.error?.code).toBe("queued");
			expect((noTicket.body.error as unknown as { ticket: Ticket | null }).ticket).toBeNull();
			expect(Number(noTicket.headers.get("retry-after"))).toBeGreaterThan(0);

			expect((await join(sku, first)).body.data?.state).toBe("admitted");
			expect((await join(sku, second)).body.data?.state).toBe("waiting");
			const waiting = await eventual(second, sku);
			expect(waiting.status).toBe(429);
			expect(waiting.body.error?.code).toBe("queued");
			expect((waiting.body.error as unknown as { ticket: Ticket }).ticket.state).toBe("waiting");
			expect(await allocated(sku)).toBe(0);

			// The admitted session reserves in eventual mode as in safe mode.
			const admitted = await eventual(first, sku);
			expect(admitted.status).toBe(201);
			expect(admitted.body.data?.reservationId).toMatch(/^eventual_/);
			expect(await allocated(sku)).toBe(1);
		});
	}

	it("keeps the purchase limit: the attempt's quantity and the session's earlier allocations", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 2 });
		const [buyer, other] = await Promise.all([newSession(), newSession()]);
		const tooMany = await eventual(buyer, sku, 10);
		expect(tooMany.status).toBe(403);
		expect(tooMany.body.error?.code).toBe("purchase_limit");
		expect(await allocated(sku)).toBe(0);

		expect((await eventual(buyer, sku, 2)).status).toBe(201);
		const more = await eventual(buyer, sku, 1);
		expect(more.status).toBe(403);
		expect(more.body.error?.code).toBe("purchase_limit");
		// Another session has its own limit.
		expect((await eventual(other, sku, 1)).status).toBe(201);
		expect(await allocated(sku)).toBe(3);
	});

	it("answers a keyed replay as it was, then refuses a new attempt past the limit", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 1 });
		const token = await newSession();
		const headers = { "idempotency-key": "ev-gate-1" };
		const send = () =>
			call<{ reservationId: string }>("POST", "/api/reservations", {
				token,
				headers,
				body: { sku, mode: "eventual" },
			});
		const first = await send();
		expect(first.status).toBe(201);
		const again = await send();
		expect(again.status).toBe(201);
		expect(again.body.data?.reservationId).toBe(first.body.data?.reservationId);
		expect((await eventual(token, sku)).status).toBe(403);
		expect(await allocated(sku)).toBe(1);
	});
});
