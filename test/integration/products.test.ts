// The catalogue and the reserve rules that answer with a 4xx by design:
// not_started, sold_out, purchase_limit (docs/api.md, "Reservations").
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Availability, Product, Reservation } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

async function reserve(sku: string, token: string, quantity = 1) {
	return call<Reservation>("POST", "/api/reservations", { token, body: { sku, quantity } });
}

describe("products", () => {
	it("are created with defaults, listed, read and patched", async () => {
		const sku = await createProduct({ totalStock: 7, priceCents: 2599 });
		const read = await call<Product>("GET", `/api/products/${sku}`);
		expect(read.status).toBe(200);
		expect(read.body.data).toMatchObject({
			sku,
			name: "Test drop",
			priceCents: 2599,
			currency: "USD",
			totalStock: 7,
			holdSeconds: Number(env.HOLD_SECONDS),
			perUserLimit: 2,
			startsAt: null,
			availability: { sku, total: 7, available: 7, reserved: 0, sold: 0, status: "live" },
		});
		const list = await call<{ products: Product[] }>("GET", "/api/products");
		expect(list.body.data?.products.find((p) => p.sku === sku)?.availability.total).toBe(7);

		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: {
				name: "Renamed",
				priceCents: 100,
				currency: "eur",
				perUserLimit: 5,
				holdSeconds: 30,
				totalStock: 9,
			},
		});
		expect(patched.status).toBe(200);
		expect(patched.body.data).toMatchObject({
			name: "Renamed",
			priceCents: 100,
			currency: "EUR",
			perUserLimit: 5,
			holdSeconds: 30,
			totalStock: 9,
			availability: { total: 9, available: 9 },
		});
		const again = await call<{ products: Product[] }>("GET", "/api/products");
		expect(again.body.data?.products.find((p) => p.sku === sku)?.name).toBe("Renamed");
		const token = await newSession();
		const hold = await reserve(sku, token);
		const expiresIn =
			Date.parse(hold.body.data?.expiresAt ?? "") - Date.parse(hold.body.data?.createdAt ?? "");
		expect(expiresIn).toBe(30_000); // the patched holdSeconds applies to new holds
	});

	it("before startsAt are scheduled and answer 409 not_started; patched to start, they sell", async () => {
		const startsAt = new Date(Date.now() + 3_600_000).toISOString();
		const sku = await createProduct({ totalStock: 3, startsAt });
		const token = await newSession();
		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data?.status).toBe("scheduled");
		const early = await reserve(sku, token);
		expect(early.status).toBe(409);
		expect(early.body.error?.code).toBe("not_started");
		const started = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { startsAt: null },
		});
		expect(started.status).toBe(200);
		expect((await reserve(sku, token)).status).toBe(201);
		const stats = await call<{ rejected: Record<string, number> }>(
			"GET",
			`/api/admin/products/${sku}/stats`,
			{
				token: ADMIN,
			},
		);
		expect(stats.body.data?.rejected).toEqual({ not_started: 1 });
	});

	it("answer 409 sold_out when fewer units are left than asked for, and status sold_out at zero", async () => {
		const sku = await createProduct({ totalStock: 3, perUserLimit: 10 });
		const token = await newSession();
		expect((await reserve(sku, token, 2)).status).toBe(201);
		const tooMany = await reserve(sku, token, 2);
		expect(tooMany.status).toBe(409);
		expect(tooMany.body.error?.code).toBe("sold_out");
		expect((await reserve(sku, token, 1)).status).toBe(201);
		const a = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(a.body.data).toMatchObject({ available: 0, reserved: 3, status: "sold_out" });
		const empty = await createProduct({ totalStock: 0 });
		expect((await reserve(empty, token)).body.error?.code).toBe("sold_out");
	});

	it("answer 403 purchase_limit past perUserLimit per session, counting held units, until one is released", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 2 });
		const token = await newSession();
		const other = await newSession();
		expect((await reserve(sku, token, 3)).body.error?.code).toBe("purchase_limit");
		const first = await reserve(sku, token, 1);
		expect((await reserve(sku, token, 1)).status).toBe(201);
		const third = await reserve(sku, token, 1);
		expect(third.status).toBe(403);
		expect(third.body.error?.code).toBe("purchase_limit");
		expect((await reserve(sku, other, 2)).status).toBe(201); // the limit is per session
		const id = first.body.data?.reservationId ?? "";
		expect((await call("DELETE", `/api/reservations/${id}`, { token })).status).toBe(200);
		expect((await reserve(sku, token, 1)).status).toBe(201);
	});
});
