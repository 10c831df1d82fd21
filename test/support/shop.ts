// The few API steps most black-box tests begin with, against a server a test
// started (server.ts): a buyer's session and a product with a unique SKU. The
// workerd tests have theirs in test/integration/helpers.ts.

import { expect } from "vitest";
import { api } from "./server.ts";

type Server = { url: string; adminToken: string; debugToken: string };

/** A buyer session through the public door (the server's DEBUG_TOKEN stands in for Turnstile); its token. */
export async function newBuyer(server: Server, headers?: Record<string, string>): Promise<string> {
	const res = await api<{ token: string }>(server, "POST", "/api/sessions", {
		headers,
		body: { turnstileToken: server.debugToken },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data?.token ?? "";
}

/** Creates a product named after its SKU (`prefix` + a random part) and returns the SKU. */
export async function createProduct(
	server: Server,
	fields: Record<string, unknown> = {},
	prefix = "T",
): Promise<string> {
	const sku = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
	const res = await api(server, "POST", "/api/admin/products", {
		token: server.adminToken,
		body: {
			sku,
			name: `Drop ${sku}`,
			priceCents: 4200,
			currency: "USD",
			totalStock: 3,
			perUserLimit: 2,
			...fields,
		},
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return sku;
}
