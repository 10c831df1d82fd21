// The per-session demo sandbox: a private 100-unit SKU per session, the same
// one on every call, resettable by its owner only, under the reset limit.
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { callWith } from "./cost-support.ts";
import { ADMIN, call, newSession } from "./helpers.ts";

describe("POST /api/demo/sandbox", () => {
	it("creates a private 100-unit SKU for the session, and the same one again on later calls", async () => {
		const token = await newSession();
		const first = await call<Product>("POST", "/api/demo/sandbox", { token });
		expect(first.status).toBe(201);
		const sku = first.body.data?.sku ?? "";
		expect(sku).toMatch(/^SBX-[0-9a-f]{20}$/);
		expect(first.body.data).toMatchObject({
			totalStock: 100,
			availability: { available: 100, status: "live" },
		});
		const again = await call<Product>("POST", "/api/demo/sandbox", { token });
		expect(again.status).toBe(200);
		expect(again.body.data?.sku).toBe(sku);
		expect((await call<Product>("GET", "/api/demo/sandbox", { token })).body.data?.sku).toBe(sku);

		const other = await call<Product>("POST", "/api/demo/sandbox", { token: await newSession() });
		expect(other.status).toBe(201);
		expect(other.body.data?.sku).not.toBe(sku);

		// Private: not in the public catalogue.
		const listed = await call<{ products: Product[] }>("GET", "/api/products");
		expect(listed.body.data?.products.some((p) => p.sku.startsWith("SBX-"))).toBe(false);
	});

	it("needs a session; GET before creation is 404", async () => {
		expect((await call("POST", "/api/demo/sandbox")).status).toBe(401);
		const token = await newSession();
		const none = await call("GET", "/api/demo/sandbox", { token });
		expect(none.status).toBe(404);
		expect(none.body.error?.code).toBe("not_found");
		expect((await call("POST", "/api/demo/sandbox/reset", { token })).status).toBe(404);
	});

	it("others may reserve on it; only the owner's reset clears it, both modes", async () => {
		const owner = await newSession();
		const guest = await newSession();
		const sku =
			(await call<Product>("POST", "/api/demo/sandbox", { token: owner })).body.data?.sku ?? "";
		expect(
			(await call("POST", "/api/reservations", { token: owner, body: { sku, quantity: 3 } }))
				.status,
		).toBe(201);
		expect((await call("POST", "/api/reservations", { token: guest, body: { sku } })).status).toBe(
			201,
		);
		expect(
			(
				await call("POST", "/api/reservations", {
					token: guest,
					body: { sku, quantity: 2, mode: "eventual" },
				})
			).status,
		).toBe(201);
		// The guest's reset addresses the guest's own (absent) sandbox, never the owner's.
		expect((await call("POST", "/api/demo/sandbox/reset", { token: guest })).status).toBe(404);
		type Stats = { reserved: number; eventual: { allocated: number } };
		const before = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
		expect(before.body.data).toMatchObject({ reserved: 4, eventual: { allocated: 2 } });

		const reset = await call<Product>("POST", "/api/demo/sandbox/reset", { token: owner });
		expect(reset.status).toBe(200);
		expect(reset.body.data?.availability).toMatchObject({ available: 100, reserved: 0, sold: 0 });
		const after = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
		expect(after.body.data).toMatchObject({
			reserved: 0,
			eventual: { allocated: 0, oversellDelta: 0 },
		});
	});

	it("resets after a checkout, keeping the paid order", async () => {
		const token = await newSession();
		const box = await call<Product>("POST", "/api/demo/sandbox", { token });
		const sku = box.body.data?.sku ?? "";
		const hold = await call<{ reservationId: string }>("POST", "/api/reservations", {
			token,
			body: { sku },
		});
		const paid = await call<{ orderId: string }>("POST", "/api/checkout", {
			token,
			body: { reservationId: hold.body.data?.reservationId, paymentMethod: "pm_card_visa" },
			headers: { "idempotency-key": "sandbox-pay" },
		});
		expect(paid.status).toBe(200);
		await call("POST", "/api/reservations", { token, body: { sku, quantity: 3 } });

		const reset = await call<Product>("POST", "/api/demo/sandbox/reset", { token });
		expect(reset.status).toBe(200);
		expect(reset.body.data?.availability).toMatchObject({ available: 99, reserved: 0, sold: 1 });
		const order = await call<{ status: string }>("GET", `/api/orders/${paid.body.data?.orderId}`, {
			token,
		});
		expect(order.body.data?.status).toBe("PAID");
	});

	it("reset is limited to one a minute, with a Retry-After", async () => {
		const on = { RATE_LIMITS: "on" };
		const headers = { "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 250) + 1}` };
		const token = await newSession();
		expect((await callWith(on, "POST", "/api/demo/sandbox", { token, headers })).status).toBe(201);
		expect((await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers })).status).toBe(
			200,
		);
		const second = await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers });
		expect(second.status).toBe(429);
		expect(second.body.error?.code).toBe("rate_limited");
		const wait = Number(second.headers.get("retry-after"));
		expect(wait).toBeGreaterThan(0);
		expect(wait).toBeLessThanOrEqual(60);
	});

	it("a reset that finds no sandbox changes nothing and does not spend the session's reset", async () => {
		const on = { RATE_LIMITS: "on" };
		const headers = { "cf-connecting-ip": `2001:db8:${crypto.randomUUID().slice(0, 4)}::1` };
		const token = await newSession();
		const none = await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers });
		expect(none.status).toBe(404);
		expect(none.body.error?.code).toBe("not_found");
		expect((await callWith(on, "POST", "/api/demo/sandbox", { token, headers })).status).toBe(201);
		// The 404 reset nothing, so the one reset a minute is still there.
		expect((await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers })).status).toBe(
			200,
		);
		expect((await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers })).status).toBe(
			429,
		);
	});

	it("a visitor's sandbox reset does not spend the operator's reset from the same address", async () => {
		const on = { RATE_LIMITS: "on" };
		// One address for both: an office or a conference room behind one NAT.
		const headers = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
		const token = await newSession();
		expect((await callWith(on, "POST", "/api/demo/sandbox", { token, headers })).status).toBe(201);
		expect((await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers })).status).toBe(
			200,
		);
		const sku = `E3-${crypto.randomUUID().slice(0, 8)}`;
		const admin = { token: ADMIN, headers };
		const created = await callWith(on, "POST", "/api/admin/products", {
			...admin,
			body: { sku, name: "Shared address", priceCents: 1000, currency: "USD", totalStock: 3 },
		});
		expect(created.status).toBe(201);
		const operator = await callWith(on, "POST", `/api/admin/products/${sku}/reset`, admin);
		expect(operator.status).toBe(200);
		// Each keeps its own one a minute.
		expect((await callWith(on, "POST", `/api/admin/products/${sku}/reset`, admin)).status).toBe(
			429,
		);
		expect((await callWith(on, "POST", "/api/demo/sandbox/reset", { token, headers })).status).toBe(
			429,
		);
	});
});
