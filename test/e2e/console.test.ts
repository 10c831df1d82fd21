// The operator console in Chromium: sign in with the ADMIN_TOKEN, watch a drop
// sell out while buyers (driven through the API) take every unit, create a drop
// and reset one.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";
import {
	collectPageErrors,
	DESKTOP,
	launch,
	metric,
	openContext,
	PHONE,
	screenshot,
} from "./browser.ts";

const POLL = { timeout: 20_000, interval: 200 };
const STOCK = 6;

describe("operator console", () => {
	let server: TestServer;
	let browser: Browser;

	beforeAll(async () => {
		[server, browser] = await Promise.all([startServer(), launch()]);
	});
	afterAll(async () => {
		await browser?.close();
		await server?.dispose();
	});

	async function signIn(page: Page, token: string): Promise<void> {
		await page.getByLabel("Operator token").fill(token);
		await page.getByRole("button", { name: "Sign in" }).click();
	}

	async function buyOne(sku: string, i: number): Promise<void> {
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		const token = session.body.data?.token ?? "";
		const hold = await api<{ reservationId: string }>(server, "POST", "/api/reservations", {
			token,
			body: { sku },
		});
		expect(hold.status).toBe(201);
		// Half the buyers pay, half keep their hold: both count against the stock.
		if (i % 2 === 0) {
			const paid = await api(server, "POST", "/api/checkout", {
				token,
				body: { reservationId: hold.body.data?.reservationId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": `buy-${i}` },
			});
			expect(paid.status).toBe(200);
		}
	}

	it("watches a drop sell out", async () => {
		const sku = `CONSOLE-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: { sku, name: "Console drop", priceCents: 1000, currency: "USD", totalStock: STOCK },
		});
		expect(created.status).toBe(201);

		const context = await openContext(browser, server.url, DESKTOP);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, "not-the-token");
		await expect
			.poll(() => page.getByRole("alert").first().textContent(), POLL)
			.toMatch(/operator token was not accepted/);
		await signIn(page, server.adminToken);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(STOCK));
		expect(await page.getByLabel("Drop", { exact: true }).inputValue()).toBe(sku);

		for (let i = 0; i < STOCK; i++) await buyOne(sku, i);
		// A buyer too late: rejected as sold out, counted by reason.
		const late = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		const refused = await api(server, "POST", "/api/reservations", {
			token: late.body.data?.token ?? "",
			body: { sku },
		});
		expect(refused.status).toBe(409);

		await expect.poll(() => metric(page, "Available"), POLL).toBe("0");
		await expect.poll(() => metric(page, "Sold"), POLL).toBe(String(STOCK / 2));
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe(String(STOCK / 2));
		await expect.poll(() => metric(page, "Oversold"), POLL).toBe("0");
		const rejections = page.getByRole("table", { name: "Rejections by reason" });
		await expect
			.poll(() => rejections.getByRole("row", { name: /sold_out/ }).textContent(), POLL)
			.toMatch(/sold_out\s*1/);
		// The audit trail is newest first: the rejected attempt changed nothing, the last order is on top.
		const trail = page.getByRole("table", { name: "Audit trail, newest first" });
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/reservation\.created|order\.created/);
		await expect
			.poll(() => trail.getByRole("row").last().textContent(), POLL)
			.toMatch(/product\.created/);
		await expect.poll(() => metric(page, "p95"), POLL).toMatch(/ms$/);
		await screenshot(page, "console-sold-out");

		await page.getByRole("button", { name: "Reset drop" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Console status" }).textContent(), POLL)
			.toMatch(/was reset/);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(STOCK));
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/inventory\.reset/);
		expect(errors).toEqual([]);
	});

	it("creates a drop from the form, on a phone", async () => {
		const context = await openContext(browser, server.url, PHONE);
		const page = await context.newPage();
		await page.goto("/console");
		await signIn(page, server.adminToken);
		const sku = `NEW-${crypto.randomUUID().slice(0, 8)}`;
		await page.getByLabel("SKU").fill(sku);
		await page.getByLabel("Name").fill("Made in the console");
		await page.getByLabel("Total stock").fill("25");
		await page.getByRole("button", { name: "Create drop" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Console status" }).textContent(), POLL)
			.toMatch(new RegExp(`Created ${sku} with 25 units`));
		await expect.poll(() => page.getByLabel("Drop", { exact: true }).inputValue(), POLL).toBe(sku);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("25");
		// Nothing wider than the screen.
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			PHONE.width,
		);
		await screenshot(page, "console-phone");
	});

	// Last in this file: it restarts the server the other tests share.
	it("the live feed reconnects after the server restarts", async () => {
		const context = await openContext(browser, server.url, DESKTOP);
		const page = await context.newPage();
		await page.goto("/?sku=DEMO-SNEAKER");
		const badge = page.getByText(/^(Live|Connecting…|Reconnecting in \d+ s)$/);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");

		await server.stop();
		await expect.poll(() => badge.textContent(), POLL).toMatch(/^Reconnecting in \d+ s$/);
		server = await startServer({ stateDir: server.stateDir, port: server.port });
		await expect.poll(() => badge.textContent(), { ...POLL, timeout: 60_000 }).toBe("Live");

		// And it carries changes again.
		const before = Number(await metric(page, "Available"));
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		const hold = await api(server, "POST", "/api/reservations", {
			token: session.body.data?.token ?? "",
			body: { sku: "DEMO-SNEAKER" },
		});
		expect(hold.status).toBe(201);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(before - 1));
	});
});
