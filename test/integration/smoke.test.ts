import { describe, expect, it } from "vitest";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

describe("smoke", () => {
	it("reserves a unit and records it", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const res = await call("POST", "/api/reservations", { token, body: { sku } });
		expect(res.status).toBe(201);
		const stats = await call<{ reserved: number; available: number }>(
			"GET",
			`/api/admin/products/${sku}/stats`,
			{ token: ADMIN },
		);
		expect(stats.body.data).toMatchObject({ reserved: 1, available: 2 });
	});
});
