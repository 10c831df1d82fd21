// The console's latency panel shows the server's own record of the reserve
// path (GET /api/admin/products/:sku/metrics): attempts, rejections and the
// decision latency the SKU's object measured — and, because that history lives
// on the server, a reload shows the same numbers again.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext, screenshot } from "./browser.ts";
import { browserSuite } from "./suite.ts";

const POLL = { timeout: 20_000, interval: 200 };
const STOCK = 3;
const ATTEMPTS = 5;

describe("console latency panel", () => {
	const e2e = browserSuite();

	async function attempt(sku: string): Promise<number> {
		const token = await newBuyer(e2e.server);
		const res = await api(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku },
		});
		return res.status;
	}

	async function expectServerNumbers(page: Page): Promise<void> {
		const panel = page.getByRole("region", { name: "Server decision latency" });
		await expect.poll(() => metric(panel, "Attempts"), POLL).toBe(String(ATTEMPTS));
		await expect.poll(() => metric(panel, "Rejected"), POLL).toBe(String(ATTEMPTS - STOCK));
		for (const label of ["p50", "p95", "p99", "Edge p50", "Edge p95", "Edge p99"]) {
			await expect.poll(() => metric(panel, label), POLL).toMatch(/^\d+(\.\d)? ms$/);
		}
		expect(await metric(panel, "Peak attempts/s")).toMatch(/^[1-9]\d*$/);
	}

	it("shows the server's attempts and latency, and still shows them after a reload", async () => {
		const sku = `METRICS-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: { sku, name: "Metrics drop", priceCents: 500, currency: "USD", totalStock: STOCK },
		});
		expect(created.status).toBe(201);
		const statuses: number[] = [];
		for (let i = 0; i < ATTEMPTS; i++) statuses.push(await attempt(sku));
		expect(statuses).toEqual([201, 201, 201, 409, 409]);

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await page.getByLabel("Operator token").fill(e2e.server.adminToken);
		await page.getByRole("button", { name: "Sign in" }).click();
		await expectServerNumbers(page);
		await expectNoSeriousA11yViolations(page, "console: server latency panel");
		await screenshot(page, "console-server-latency");

		// A reload forgets everything the page knew: the numbers come back from the server.
		await page.reload();
		await expectServerNumbers(page);
		expect(errors).toEqual([]);
		await context.close();
	});
});
