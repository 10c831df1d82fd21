// The storefront when something behind it fails, in Chromium: the server stops
// mid-session (the stock is marked as possibly stale, with since when, and the
// hold's timer says what it still means; both clear when the server is back),
// and a payment provider too slow to confirm a charge (the page says money may
// have moved and will be refunded — never "nothing was charged").

import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { launch, metric, screenshot } from "./browser.ts";
import {
	alertText,
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	PHONE,
	POLL,
	verify,
} from "./storefront-support.ts";

/** The live feed's reconnect backoff tops out at 10 s (src/web/api/live-protocol.ts). */
const RECONNECT_POLL = { timeout: 30_000, interval: 200 };
/** A provider slower than the checkout's whole payment timeout: the outcome stays unknown. */
const SLOW_PROVIDER = { PAYMENT_SIM_LATENCY_MS: "3000", PAYMENT_TIMEOUT_MS: "1000" };

describe("storefront during failures", () => {
	let server: TestServer;
	let slow: TestServer;
	let browser: Browser;
	const pages: Page[] = [];

	beforeAll(async () => {
		[server, slow, browser] = await Promise.all([
			startServer(),
			startServer({ env: SLOW_PROVIDER }),
			launch(),
		]);
	});
	afterAll(async () => {
		await browser?.close();
		await slow?.dispose();
		// The restarted server does not own the state directory it was given.
		await server?.stop();
		if (server) rmSync(server.stateDir, { recursive: true, force: true });
	});
	afterEach(async ({ task }) => {
		if (task.result?.state === "fail") {
			for (const [i, p] of pages.entries())
				await screenshot(p, `failed-${task.name.replace(/\W+/g, "-")}-${i}`).catch(() => {});
		}
		for (const p of pages.splice(0)) await p.context().close();
	});

	it("marks the stock as possibly stale while the server is down, explains the hold timer, and recovers", async () => {
		const sku = await createDrop(server, { holdSeconds: 600 });
		const buyer = await openStore(browser, server, sku, PHONE);
		const { page } = buyer;
		pages.push(page);
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await expect.poll(() => feedText(page), POLL).toMatch(/^Live: /);
		// The hold has come back on the feed before the server goes away.
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");

		await server.stop();
		await expect
			.poll(() => feedText(page), POLL)
			.toMatch(/^Stock may be stale: no live updates since \d{1,2}:\d{2}:\d{2}/);
		const note = page.getByText(/This page cannot reach the store right now\./);
		await note.waitFor();
		expect(await note.textContent()).toMatch(
			/the server keeps the hold until then whether or not this page is connected/,
		);
		// The last known numbers stay on screen.
		expect(await metric(page, "Held")).toBe("1");
		await screenshot(page, "storefront-phone-outage");
		await expectNoSeriousA11yViolations(page, "phone: server down");

		server = await startServer({ stateDir: server.stateDir, port: server.port });
		await expect.poll(() => feedText(page), RECONNECT_POLL).toMatch(/^Live: /);
		expect(await note.count()).toBe(0);
		// The hold survived the outage on the server; the buyer pays it.
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await expect.poll(() => metric(page, "Sold"), POLL).toBe("1");
		await expectNoSeriousA11yViolations(page, "phone: back online, paid");
	});

	it("says a payment not confirmed in time may have taken money, which will be refunded", async () => {
		const sku = await createDrop(slow);
		const { page, errors } = await openStore(browser, slow, sku, DESKTOP_WIDE);
		pages.push(page);
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Payment not confirmed in time\. /);
		const said = await alertText(page);
		expect(said).toMatch(/not known yet whether money was taken/);
		expect(said).toMatch(/any amount taken will be refunded/);
		expect(said).not.toMatch(/nothing was charged/i);
		// The hold was released: Reserve is back, the unit returns to stock.
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		await expect.poll(() => metric(page, "Available"), POLL).toBe("3");
		await screenshot(page, "storefront-desktop-not-confirmed");
		await expectNoSeriousA11yViolations(page, "desktop: payment not confirmed");
		expect(errors).toEqual([]);
	});
});
