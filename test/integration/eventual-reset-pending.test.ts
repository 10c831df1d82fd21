// Eventual mode while a reset has not reached D1 (docs/api.md, "Demo modes";
// docs/decisions/066-eventual-reset-live-with-and-payment-methods.md): the reset's event is put
// in the SKU object's outbox as a reset made while D1 failed leaves it, and eventual reserves
// wait for it (503 + Retry-After) while the stats show the new drop's empty figures. On one
// object and on a split SKU, whose reset D1 projects is the coordinator's own.
// test/node/d1-outage.test.ts does the same through a real D1 outage.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import { ADMIN, call, newSession, uniqueSku } from "./helpers.ts";
import { pendReset } from "./pending-reset.ts";

type Figures = { allocated: number; oversellDelta: number } | null;

async function figures(sku: string): Promise<Figures> {
	const res = await call<{ eventual: Figures }>("GET", `/api/admin/products/${sku}/stats`, {
		token: ADMIN,
	});
	expect(res.status).toBe(200);
	return res.body.data?.eventual ?? null;
}

describe("eventual mode with a reset still in the SKU object's outbox", () => {
	for (const shards of [1, 2]) {
		it(`answers 503 until the reset lands, then counts from it (shards: ${shards})`, async () => {
			const sku = uniqueSku("EVPEND");
			const created = await call("POST", "/api/admin/products", {
				token: ADMIN,
				body: {
					sku,
					name: "Pending reset",
					priceCents: 100,
					currency: "USD",
					totalStock: 10,
					perUserLimit: 10,
					shards,
				},
			});
			expect(created.status).toBe(201);
			const token = await newSession();
			const eventual = (quantity: number) =>
				call("POST", "/api/reservations", { token, body: { sku, quantity, mode: "eventual" } });
			expect((await eventual(3)).status).toBe(201);
			expect(await figures(sku)).toEqual({ allocated: 3, oversellDelta: 0 });

			// The coordinator's (or the one object's) own reset event, not yet copied to D1.
			await pendReset(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), sku, 10);

			const waiting = await eventual(2);
			expect(waiting.status).toBe(503);
			expect(waiting.body.error?.code).toBe("unavailable");
			expect(waiting.headers.get("retry-after")).toBe(String(STORAGE_RETRY_AFTER_SECONDS));
			expect(await figures(sku)).toEqual({ allocated: 0, oversellDelta: 0 });

			// The events route copies the outbox first: the reset lands, and eventual mode resumes.
			const trail = await call("GET", `/api/admin/products/${sku}/events?limit=1`, {
				token: ADMIN,
			});
			expect(trail.status).toBe(200);
			expect((await eventual(2)).status).toBe(201);
			expect(await figures(sku)).toEqual({ allocated: 2, oversellDelta: 0 });
		});
	}
});
