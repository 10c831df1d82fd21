// Two operators in Chromium: a drop one of them creates, or renames, reaches the other's drop
// picker without a reload, when the picker is used (docs/decisions/096-console-trail-pages-and-counters.md).

import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { collectPageErrors, DESKTOP, metric, openContext, PHONE } from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

describe("console drop picker, two operators", () => {
	const e2e = browserSuite();

	it("lists a drop another operator created, and its rename, when the picker takes focus", async () => {
		const known = `PICK-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: { sku: known, name: "Known", priceCents: 1000, currency: "USD", totalStock: 3 },
		});
		expect(created.status).toBe(201);

		const operators = [];
		for (const size of [DESKTOP, PHONE]) {
			const context = await openContext(e2e.browser, e2e.server.url, size);
			const page = e2e.track(await context.newPage());
			const errors = collectPageErrors(page);
			await page.goto(`/console?sku=${known}`);
			await signIn(page, e2e.server.adminToken);
			await expect.poll(() => metric(page, "Available"), POLL).toBe("3");
			operators.push({ page, errors });
		}
		const [one, two] = operators as [(typeof operators)[0], (typeof operators)[0]];

		// Operator one creates a drop through the form.
		const sku = `PICK-NEW-${crypto.randomUUID().slice(0, 8)}`;
		await one.page.getByLabel("SKU").fill(sku);
		await one.page.getByLabel("Name").fill("Made by one");
		await one.page.getByLabel("Total stock").fill("2");
		await one.page.getByRole("button", { name: "Create drop" }).click();
		await expect
			.poll(() => one.page.getByLabel("Drop", { exact: true }).inputValue(), POLL)
			.toBe(sku);

		// Operator two's picker lists it once used (focused), without a reload; it stays on its drop.
		const picker = two.page.getByLabel("Drop", { exact: true });
		const listed = async () => {
			await picker.blur();
			await picker.focus();
			return picker.locator("option").allTextContents();
		};
		await expect.poll(listed, POLL).toContain(`${sku} — Made by one`);
		expect(await picker.inputValue()).toBe(known);

		// A rename made elsewhere shows the same way.
		const renamed = await api(e2e.server, "PATCH", `/api/admin/products/${known}`, {
			token: e2e.server.adminToken,
			body: { name: "Renamed elsewhere" },
		});
		expect(renamed.status).toBe(200);
		await expect.poll(listed, POLL).toContain(`${known} — Renamed elsewhere`);
		expect(one.errors).toEqual([]);
		expect(two.errors).toEqual([]);
	});

	it("links the picked drop to its storefront page, and the link follows the picker", async () => {
		const skus = [
			`PICK-A-${crypto.randomUUID().slice(0, 8)}`,
			`PICK-B-${crypto.randomUUID().slice(0, 8)}`,
		];
		for (const [i, sku] of skus.entries()) {
			const created = await api(e2e.server, "POST", "/api/admin/products", {
				token: e2e.server.adminToken,
				body: { sku, name: `Drop ${i}`, priceCents: 1000, currency: "USD", totalStock: 3 },
			});
			expect(created.status).toBe(201);
		}
		const [first, second] = skus as [string, string];
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${first}`);
		await signIn(page, e2e.server.adminToken);
		const link = page.getByRole("link", { name: "View in store" });
		await expect.poll(() => link.getAttribute("href"), POLL).toBe(`/?sku=${first}`);

		await page.getByLabel("Drop", { exact: true }).selectOption(second);
		await expect.poll(() => link.getAttribute("href"), POLL).toBe(`/?sku=${second}`);
		await link.click();
		await page.waitForURL(`**/?sku=${second}`);
		await expect
			.poll(() => page.getByRole("heading", { level: 1 }).textContent(), POLL)
			.toContain("Drop 1");
		expect(errors).toEqual([]);
	});
});
