// Invariant 3 of docs/architecture.md, end to end: stop and restart the local server on
// the same state directory; products, holds and sessions are intact.
import { afterAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

describe("npm start persists across restarts", () => {
	let server: TestServer | undefined;
	// The first server owns the state directory: the file's teardown removes it with that server
	// (test/support/node-setup.ts), whichever one is running at the end.
	afterAll(async () => {
		await server?.dispose();
	});

	it("keeps products, holds and sessions", async () => {
		server = await startServer();
		const sku = `RESTART-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: { sku, name: "Restart", priceCents: 100, currency: "USD", totalStock: 5 },
		});
		expect(created.status).toBe(201);
		const token = await newBuyer(server);
		const hold = await api<{ reservationId: string }>(server, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: 2 },
		});
		expect(hold.status).toBe(201);
		const id = hold.body.data?.reservationId ?? "";

		await server.stop();
		server = await server.restart();

		const again = await api<{ status: string; quantity: number }>(
			server,
			"GET",
			`/api/reservations/${id}`,
			{ token },
		);
		expect(again.status).toBe(200);
		expect(again.body.data).toMatchObject({ status: "RESERVED", quantity: 2 });
		const availability = await api(server, "GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ total: 5, reserved: 2, available: 3, sold: 0 });
		const demo = await api(server, "GET", "/api/products/DEMO-SNEAKER");
		expect(demo.status).toBe(200);
	});
});
