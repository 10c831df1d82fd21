// What the console's browser tests share: signing in with the operator token, how long
// they wait for a figure to show, what a form field's refusal says, a drop with holds on it, which
// element has the focus and the product as the API answers it.

import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { api, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { isFocused } from "./storefront-support.ts";

export { isFocused };

export const POLL = { timeout: 20_000, interval: 200 };

/** The product as the public API answers it now. */
export async function readProduct(server: TestServer, sku: string): Promise<Product> {
	const r = await api<Product>(server, "GET", `/api/products/${sku}`);
	expect(r.status).toBe(200);
	return r.body.data as Product;
}

export async function signIn(page: Page, token: string): Promise<void> {
	await page.getByLabel("Operator token").fill(token);
	await page.getByRole("button", { name: "Sign in" }).click();
}

/** The text an input's aria-describedby points at (a form field's refusal), "" without one. */
export function description(input: Locator): Promise<string> {
	return input.evaluate((el) =>
		(el.getAttribute("aria-describedby") ?? "")
			.split(" ")
			.map((id) => document.getElementById(id)?.textContent ?? "")
			.join(" ")
			.trim(),
	);
}

/** A field refused under itself: its refusal says `message`, it is marked invalid, and it has the focus. */
export async function expectRefused(field: Locator, message: string): Promise<void> {
	await expect.poll(() => description(field), POLL).toBe(message);
	expect(await field.getAttribute("aria-invalid")).toBe("true");
	await expect.poll(() => isFocused(field), POLL).toBe(true);
}

/** A drop named `<prefix>-…` of `stock` units (split across `shards`), and `holds` buyers' holds of one unit each. */
export async function heldDrop(
	server: TestServer,
	drop: { prefix: string; name: string; stock: number; holds: number; shards?: number },
): Promise<string> {
	const sku = `${drop.prefix}-${crypto.randomUUID().slice(0, 8)}`;
	const shards = drop.shards ?? 1;
	const created = await api(server, "POST", "/api/admin/products", {
		token: server.adminToken,
		body: {
			sku,
			name: drop.name,
			priceCents: 100,
			currency: "USD",
			totalStock: drop.stock,
			...(shards > 1 ? { shards } : {}),
		},
	});
	expect(created.status).toBe(201);
	for (let i = 0; i < drop.holds; i++) {
		const token = await newBuyer(server);
		const hold = await api(server, "POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status).toBe(201);
	}
	return sku;
}
