// An operator's reset while a buyer holds a unit, in Chromium: the reset deletes the unpaid
// hold, and the page learns it from the live feed (its hold is no longer counted as held, or
// the product message a reset sends) and a read of the hold (404), instead of offering Pay
// until the hold's own timer ends. A hold that was paid is never hidden: its order shows
// (docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { metric } from "./browser.ts";
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

/** Far longer than any wait below: only the reset can end the hold during a test. */
const HOLD_SECONDS = 600;
const RESET_NOTICE =
	"This hold is no longer held: the store no longer has it (the sale may have been reset), so its units are not yours any more. It was not paid: a paid hold is kept through a reset. Reserve again if any are left.";

describe("storefront after an operator's reset", () => {
	const e2e = browserSuite();

	/** A new drop open in a wide page with the human check passed and one unit held. */
	async function holdingPage(before?: (page: Page) => Promise<void>) {
		const sku = await createDrop(e2e.server, { holdSeconds: HOLD_SECONDS });
		const buyer = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, before);
		e2e.track(buyer.page);
		await verify(buyer.page);
		await buyer.page.getByRole("button", { name: "Reserve" }).click();
		await buyer.page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await expect.poll(() => metric(buyer.page, "Held"), POLL).toBe("1");
		return { sku, ...buyer };
	}

	/** The operator's reset, from an address of its own (one reset a minute per address). */
	async function reset(sku: string) {
		const r = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
			body: {},
		});
		expect(r.status, JSON.stringify(r.body)).toBe(200);
	}

	/** The session and hold this page keeps in its sessionStorage (another tab would share them). */
	function heldByPage(page: Page, sku: string): Promise<{ token: string; id: string }> {
		return page.evaluate((s) => {
			const session = JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}");
			const hold = JSON.parse(sessionStorage.getItem(`rg.buyer.hold.${s}`) ?? "{}");
			return { token: session.token, id: hold.reservation?.reservationId };
		}, sku);
	}

	const holdHeading = (page: Page) => page.getByRole("heading", { name: "1 unit held for you" });

	it("takes a hold the reset deleted off the screen, with Pay, and says it was not paid", async () => {
		const { sku, page, errors } = await holdingPage();
		await reset(sku);
		await expect.poll(() => alertText(page), POLL).toBe(RESET_NOTICE);
		expect(await holdHeading(page).count()).toBe(0);
		expect(await page.getByRole("button", { name: /^Pay / }).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(await metric(page, "Held")).toBe("0");
		expect(errors).toEqual([]);
	});

	it("learns of the reset from the feed's product message when the stock it freed is taken again at once", async () => {
		// Every availability message that shows fewer units held than this page's hold is lost,
		// as when other buyers take the freed units within the same feed interval: only the
		// product message the reset sends tells the page.
		const { sku, page, errors } = await holdingPage((p) =>
			p.routeWebSocket(/\/live(\?|$)/, (ws) => {
				ws.connectToServer().onMessage((message) => {
					const m = JSON.parse(String(message)) as { type: string; reserved?: number };
					if (m.type === "availability" && m.reserved === 0) return;
					ws.send(message);
				});
			}),
		);
		await reset(sku);
		await expect.poll(() => alertText(page), POLL).toBe(RESET_NOTICE);
		expect(await holdHeading(page).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(errors).toEqual([]);
	});

	it("shows the order of a hold paid in another tab, never calling it gone, through the reset", async () => {
		const { sku, page, errors } = await holdingPage();
		// Another tab of the same session pays the hold; then the operator resets the sale.
		const { token, id } = await heldByPage(page, sku);
		const paid = await api(e2e.server, "POST", "/api/checkout", {
			token,
			headers: { "idempotency-key": `other-tab-${id}` },
			body: { reservationId: id, paymentMethod: "pm_card_visa" },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		await reset(sku);
		await expect
			.poll(() => statusText(page), POLL)
			.toMatch(/^This hold is already paid: order [0-9A-F]{4}-[0-9A-F]{4} is confirmed\.$/);
		await page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await holdHeading(page).count()).toBe(0);
		expect(await alertText(page)).toBe("");
		expect(await metric(page, "Sold")).toBe("1");
		expect(errors).toEqual([]);
	});
});
