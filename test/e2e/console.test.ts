// The operator console in Chromium: sign in with the ADMIN_TOKEN, watch a drop
// sell out while buyers (driven through the API) take every unit, create a drop
// and reset one (typed confirmation; paid orders stay), keyboard focus after
// every action, axe on every state. What the console does while the API fails:
// console-outage.test.ts.

import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { MAX_PRODUCTS_LISTED } from "../../src/domain/bounds.ts";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext, PHONE, screenshot } from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

const STOCK = 6;

describe("operator console", () => {
	const e2e = browserSuite();

	const isFocused = (l: Locator) => l.evaluate((el) => el === document.activeElement);

	async function buyOne(sku: string, i: number): Promise<{ token: string; orderId?: string }> {
		const token = await newBuyer(e2e.server);
		const hold = await api<{ reservationId: string }>(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku },
		});
		expect(hold.status).toBe(201);
		// Half the buyers pay, half keep their hold: both count against the stock.
		if (i % 2 === 0) {
			const paid = await api<{ orderId: string }>(e2e.server, "POST", "/api/checkout", {
				token,
				body: { reservationId: hold.body.data?.reservationId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": `buy-${i}` },
			});
			expect(paid.status).toBe(200);
			return { token, orderId: paid.body.data?.orderId ?? "" };
		}
		return { token };
	}

	it("watches a drop sell out", async () => {
		const sku = `CONSOLE-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: { sku, name: "Console drop", priceCents: 1000, currency: "USD", totalStock: STOCK },
		});
		expect(created.status).toBe(201);

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, "not-the-token");
		await expect
			.poll(() => page.locator("#signin-error").textContent(), POLL)
			.toMatch(/operator token was not accepted/);
		// Focused with the sign-in form that replaced the console (no live region: decision 140).
		await expect.poll(() => isFocused(page.locator("#signin-error")), POLL).toBe(true);
		await signIn(page, e2e.server.adminToken);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(STOCK));
		expect(await page.getByLabel("Drop", { exact: true }).inputValue()).toBe(sku);

		const buyers: { token: string; orderId?: string }[] = [];
		for (let i = 0; i < STOCK; i++) buyers.push(await buyOne(sku, i));
		// A buyer too late: rejected as sold out, counted by reason.
		const late = await newBuyer(e2e.server);
		const refused = await api(e2e.server, "POST", "/api/reservations", {
			token: late,
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

		await expectNoSeriousA11yViolations(page, "console: sold out");

		// Reset asks first: nothing happens until the SKU is typed, and Cancel changes nothing.
		const resetButton = page.getByRole("button", { name: "Reset drop" });
		await resetButton.click();
		const dialog = page.getByRole("dialog", { name: `Reset ${sku}?` });
		await dialog.waitFor();
		expect(await dialog.textContent()).toMatch(/Paid orders stay/);
		const confirmInput = dialog.getByLabel(`Type ${sku} to confirm`);
		expect(await isFocused(confirmInput)).toBe(true);
		const confirm = dialog.getByRole("button", { name: `Reset ${sku}` });
		expect(await confirm.isDisabled()).toBe(true);
		await confirmInput.fill(sku.toLowerCase());
		expect(await confirm.isDisabled()).toBe(true);
		await confirmInput.press("Enter");
		expect(await dialog.isVisible()).toBe(true);
		expect(await metric(page, "Sold")).toBe(String(STOCK / 2));
		await expectNoSeriousA11yViolations(page, "console: reset dialog");
		await screenshot(page, "console-reset-dialog");
		await dialog.getByRole("button", { name: "Cancel" }).click();
		await expect.poll(() => dialog.isVisible(), POLL).toBe(false);
		await expect.poll(() => isFocused(resetButton), POLL).toBe(true);
		expect(await metric(page, "Sold")).toBe(String(STOCK / 2));
		await resetButton.press("Enter");
		await dialog.waitFor();
		// Escape cancels too.
		await page.keyboard.press("Escape");
		await expect.poll(() => dialog.isVisible(), POLL).toBe(false);
		await resetButton.click();
		await dialog.waitFor();
		await expect.poll(() => confirmInput.inputValue(), POLL).toBe("");
		await confirmInput.fill(sku);
		await confirm.click();

		// The holds that were not paid went back on sale; the paid orders and their units stay.
		const status = page.getByRole("status", { name: "Console status" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(
				`${sku} was reset: ${STOCK / 2} of ${STOCK} units available. ${STOCK / 2} sold units stay with their paid orders.`,
			);
		// The status says it; focus is back on Reset drop, not on the status (read twice).
		await expect.poll(() => isFocused(resetButton), POLL).toBe(true);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(STOCK / 2));
		await expect.poll(() => metric(page, "Sold"), POLL).toBe(String(STOCK / 2));
		expect(await metric(page, "Reserved")).toBe("0");
		for (const buyer of buyers.filter((b) => b.orderId !== undefined)) {
			const order = await api<{ status: string }>(
				e2e.server,
				"GET",
				`/api/orders/${buyer.orderId}`,
				{
					token: buyer.token,
				},
			);
			expect(order.status).toBe(200);
			expect(order.body.data?.status).toBe("PAID");
		}
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/inventory\.reset/);
		// The trail scrolls inside its box: that box takes keyboard focus.
		const scroller = page.getByRole("region", { name: "Audit trail events" });
		await scroller.focus();
		expect(await isFocused(scroller)).toBe(true);
		await expectNoSeriousA11yViolations(page, "console: after the reset");
		expect(errors).toEqual([]);
	});

	it("shows the waiting room's figures and the fairness figures live", async () => {
		const sku = `CONSOLE-ROOM-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: {
				sku,
				name: "Console room",
				priceCents: 1000,
				currency: "USD",
				totalStock: 2,
				waitingRoom: { enabled: true, overbook: 0 },
			},
		});
		expect(created.status).toBe(201);
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		await expect.poll(() => metric(page, "Sessions asking"), POLL).toBe("0");
		expect(await metric(page, "Jain's index")).toBe("–");

		// Three buyers take tickets (the room started at once: FIFO), two units admit two
		// of them, and both reserve; one pays. The console follows without a reload.
		const tokens = [];
		for (let i = 0; i < 3; i++) {
			const token = await newBuyer(e2e.server);
			const joined = await api(e2e.server, "POST", `/api/products/${sku}/queue`, { token });
			expect(joined.status).toBe(201);
			tokens.push(token);
		}
		await expect.poll(() => metric(page, "In line"), POLL).toBe("1");
		expect(await metric(page, "Admitted now")).toBe("2");
		for (const [i, token] of tokens.slice(0, 2).entries()) {
			const hold = await api<{ reservationId: string }>(e2e.server, "POST", "/api/reservations", {
				token,
				body: { sku },
			});
			expect(hold.status).toBe(201);
			if (i === 0) {
				const paid = await api(e2e.server, "POST", "/api/checkout", {
					token,
					body: { reservationId: hold.body.data?.reservationId, paymentMethod: "pm_card_visa" },
					headers: { "idempotency-key": `room-${sku}` },
				});
				expect(paid.status).toBe(200);
			}
		}
		await expect.poll(() => metric(page, "Units to them"), POLL).toBe("2");
		expect(await metric(page, "Sessions asking")).toBe("3");
		// (1 + 1 + 0)² / (3 · 2)
		expect(await metric(page, "Jain's index")).toBe("0.67");
		expect(await metric(page, "Units per admission")).toBe("1.00");
		expect(await metric(page, "Admitted in all")).toBe("2");
		expect(await metric(page, "Lapsed")).toBe("0");
		// The rate is named as the wait estimate's, and said not to be a count.
		expect(await metric(page, "Admission rate / min (wait estimate)")).toMatch(/^\d+$/);
		expect(await page.getByRole("region", { name: "Waiting room" }).textContent()).toMatch(
			/An estimate, not a count: Admitted in all is the count\./,
		);
		// This server runs without rate limits: no bot signals, and the console says so.
		const fairness = page.getByRole("region", { name: "Fairness" });
		expect(await fairness.textContent()).toMatch(/Bot signals are off/);
		// The per-address refusals have their own line, apart from the reserve attempts' rejected.
		expect(await fairness.textContent()).toMatch(
			/Refused at the per-address caps \(not reserve attempts\): 0 live feed upgrades, 0 waiting-room joins\./,
		);
		// The metrics series carries them too: the attempts chart names them beside the attempts.
		const throughput = page.getByRole("figure", { name: "Attempts per second" }).getByRole("img");
		await expect
			.poll(() => throughput.getAttribute("aria-label"), POLL)
			.toMatch(
				/rejected, peak \d+ a second\. Refused at the per-address caps \(not reserve attempts\): 0 live feed upgrades, 0 waiting-room joins\./,
			);
		// The live feed's places (decision 156): the console's own socket is open, from one address,
		// and nobody was closed or refused (nor flooded: decision 170).
		await expect.poll(() => metric(page, "Open"), POLL).toMatch(/^1 of \d+$/);
		expect(await metric(page, "Addresses")).toBe("1");
		expect(await metric(page, "Most from one address")).toMatch(/^1 of \d+$/);
		expect(await metric(page, "Closed idle to make room")).toBe("0");
		expect(await metric(page, "Refused: feed full")).toBe("0");
		expect(await metric(page, "Refused: address at its cap")).toBe("0");
		expect(await metric(page, "Closed for flooding")).toBe("0");
		expect(await metric(page, "Refused: address cooling down")).toBe("0");
		await expectNoSeriousA11yViolations(page, "console: waiting room and fairness");
		await screenshot(page, "console-room-fairness");
		expect(errors).toEqual([]);
	});

	it("creates a drop from the form, on a phone", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, PHONE);
		const page = await context.newPage();
		await page.goto("/console");
		await expectNoSeriousA11yViolations(page, "console: sign-in on a phone");
		await signIn(page, e2e.server.adminToken);
		await expect
			.poll(() => isFocused(page.getByRole("heading", { name: "Operator console" })), POLL)
			.toBe(true);
		const sku = `NEW-${crypto.randomUUID().slice(0, 8)}`;
		await page.getByLabel("SKU").fill(sku);
		await page.getByLabel("Name").fill("Made in the console");
		await page.getByLabel("Total stock").fill("25");
		await page.getByRole("button", { name: "Create drop" }).click();
		const status = page.getByRole("status", { name: "Console status" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toMatch(new RegExp(`Created ${sku} with 25 units`));
		// The status says it; focus is on the renewed form's Create drop, not on the status.
		await expect
			.poll(() => isFocused(page.getByRole("button", { name: "Create drop" })), POLL)
			.toBe(true);
		await expect.poll(() => page.getByLabel("Drop", { exact: true }).inputValue(), POLL).toBe(sku);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("25");
		// Nothing wider than the screen.
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			PHONE.width,
		);
		await screenshot(page, "console-phone");
		await expectNoSeriousA11yViolations(page, "console: a drop created on a phone");
		await page.getByRole("button", { name: "Sign out" }).click();
		await expect
			.poll(() => isFocused(page.getByRole("heading", { name: "Operator console" })), POLL)
			.toBe(true);
		expect(await page.getByLabel("Operator token").count()).toBe(1);
	});

	it("opens on a drop created after the hundredth, and lists older drops when asked", async () => {
		// The catalogue lists newest first, a page of MAX_PRODUCTS_LISTED (docs/api.md); this
		// server already has the seeded DEMO-SNEAKER, the oldest, so it is past the first page.
		const prefix = `MANY-${crypto.randomUUID().slice(0, 8)}`;
		const create = async (sku: string) => {
			const made = await api(e2e.server, "POST", "/api/admin/products", {
				token: e2e.server.adminToken,
				body: { sku, name: "One of many", priceCents: 1000, currency: "USD", totalStock: 1 },
			});
			expect(made.status).toBe(201);
		};
		for (let batch = 0; batch < MAX_PRODUCTS_LISTED / 10; batch++) {
			await Promise.all(
				Array.from({ length: 10 }, (_, i) => create(`${prefix}-${batch * 10 + i}`)),
			);
		}
		const newest = `${prefix}-NEWEST`;
		await create(newest);

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.goto("/console");
		await signIn(page, e2e.server.adminToken);
		const picker = page.getByLabel("Drop", { exact: true });
		await expect.poll(() => picker.inputValue(), POLL).toBe(newest);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("1");
		expect(await picker.locator("option", { hasText: "DEMO-SNEAKER" }).count()).toBe(0);

		await page.getByRole("button", { name: "List older drops" }).click();
		await expect
			.poll(() => picker.locator("option", { hasText: "DEMO-SNEAKER" }).count(), POLL)
			.toBe(1);
		// The picker is where the older drops came; the choice stays the newest until changed.
		await expect.poll(() => isFocused(picker), POLL).toBe(true);
		expect(await picker.inputValue()).toBe(newest);
		await picker.selectOption("DEMO-SNEAKER");
		await expect.poll(() => page.url(), POLL).toMatch(/[?&]sku=DEMO-SNEAKER/);
		await expectNoSeriousA11yViolations(page, "console: older drops listed");
		expect(errors).toEqual([]);
	});

	// Last in this file: it restarts the server the other tests share.
	it("the live feed reconnects after the server restarts", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		await page.goto("/?sku=DEMO-SNEAKER");
		// The storefront's connection line (src/web/storefront/ProductCard.tsx, FeedLine).
		const feed = page.getByRole("status", { name: "Live stock updates" });
		await expect.poll(() => feed.textContent(), POLL).toMatch(/^Live: /);

		await e2e.server.stop();
		await expect.poll(() => feed.textContent(), POLL).toMatch(/^Stock may be stale: /);
		e2e.server = await e2e.server.restart();
		await expect.poll(() => feed.textContent(), { ...POLL, timeout: 60_000 }).toMatch(/^Live: /);

		// And it carries changes again.
		const before = Number(await metric(page, "Available"));
		const token = await newBuyer(e2e.server);
		const hold = await api(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku: "DEMO-SNEAKER" },
		});
		expect(hold.status).toBe(201);
		await expect.poll(() => metric(page, "Available"), POLL).toBe(String(before - 1));
	});
});
