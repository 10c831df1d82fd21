// The storefront says each outcome once, in Chromium (docs/ui.md, "Said once";
// docs/decisions/147-the-storefronts-outcome-said-once.md): the purchase status (its status and
// alert) is a live region already in the page, and focus stays off it — on the button that acted
// (Reserve, Pay, only aria-disabled while they run), or, when the outcome took that button away,
// on the heading of the card the buyer acts in next.

import type { Page, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { arm, focusedName, recordSaidTwice, saidTwice } from "./said-once.ts";
import {
	alertText,
	createDrop,
	DESKTOP_WIDE,
	openStore,
	POLL,
	statusText,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const NOTHING_TWICE = { created: [], focused: [] };

describe("storefront: each outcome said once", () => {
	const e2e = browserSuite();

	async function open(sku: string, before?: (page: Page) => Promise<void>) {
		const buyer = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, async (page) => {
			await page.addInitScript(recordSaidTwice);
			await before?.(page);
		});
		e2e.track(buyer.page);
		await verify(buyer.page);
		await arm(buyer.page);
		return buyer;
	}

	it("says a refused Reserve once, focus staying on Reserve", async () => {
		const sku = await createDrop(e2e.server);
		let refuse = true;
		const { page, errors } = await open(sku, async (page) => {
			await page.route("**/api/reservations", (route: Route) => {
				if (route.request().method() !== "POST" || !refuse) return route.fallback();
				refuse = false;
				return route.fulfill({
					status: 500,
					contentType: "application/json",
					json: { error: { code: "internal_error", message: "Something went wrong." } },
				});
			});
		});
		const reserve = page.getByRole("button", { name: "Reserve" });
		await reserve.focus();
		await page.keyboard.press("Enter");
		await expect.poll(() => alertText(page), POLL).toMatch(/Reserving again is safe/);
		await expect.poll(() => focusedName(page), POLL).toBe("Reserve");
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);
		expect(errors.filter((e) => !/status of 500/.test(e))).toEqual([]);
	});

	it("says a declined card once, focus staying on Pay; a released hold once, focus on Reserve's heading", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await open(sku);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);
		await expect.poll(() => focusedName(page), POLL).toBe("hold-title");
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);

		await page.getByRole("radio", { name: /Declined card/ }).check();
		const pay = page.getByRole("button", { name: "Pay $42.00" });
		await pay.focus();
		await page.keyboard.press("Enter");
		await expect.poll(() => alertText(page), POLL).toMatch(/^Card declined\. /);
		await expect.poll(() => focusedName(page), POLL).toBe("Pay $42.00");
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);

		await page.getByRole("button", { name: "Release hold" }).focus();
		await page.keyboard.press("Enter");
		await expect.poll(() => statusText(page), POLL).toMatch(/Hold released/);
		await expect.poll(() => focusedName(page), POLL).toBe("reserve-title");
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);
		expect(errors.filter((e) => !/status of 402/.test(e))).toEqual([]);
	});
});
