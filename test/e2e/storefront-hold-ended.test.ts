// A hold that ends somewhere else than on this page, in Chromium. An operator's reset deletes
// the unpaid hold: the page learns it from the live feed (its hold no longer counted as held,
// or the product message a reset sends) and a read of the hold (404), instead of offering Pay
// until the hold's own timer ends; a hold that was paid is never hidden, its order shows
// (docs/decisions/082-storefront-after-a-reset-and-a-woken-feed.md). A Release whose answer
// was lost, and a hold paid or cancelled in another tab of the same session, are said in the
// words of the status the page reads (docs/decisions/059-storefront-retries.md).

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
const CANCELLED_NOTICE = "This hold was cancelled, so its units are back in stock.";

/**
 * Loses every availability message that shows no unit held, and every product message, as a
 * feed would whose messages about the hold's end never came: only the page's own actions (or
 * the hold's timer) can tell it then.
 */
const hideTheEnd = (page: Page) =>
	page.routeWebSocket(/\/live(\?|$)/, (ws) => {
		ws.connectToServer().onMessage((message) => {
			const m = JSON.parse(String(message)) as { type: string; reserved?: number };
			if (m.type === "product" || m.reserved === 0) return;
			ws.send(message);
		});
	});

describe("storefront when a hold ends elsewhere", () => {
	const e2e = browserSuite();

	/** A new drop open in a wide page with the human check passed and one unit held. */
	async function holdingPage(
		fields: Record<string, unknown> = { holdSeconds: HOLD_SECONDS },
		before?: (page: Page) => Promise<void>,
	) {
		const sku = await createDrop(e2e.server, fields);
		const buyer = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, before);
		e2e.track(buyer.page);
		await verify(buyer.page);
		await buyer.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(buyer.page).waitFor();
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

	/** The buyer's session token and the id of the hold on screen, from the page's sessionStorage. */
	function heldByPage(page: Page, sku: string): Promise<{ token: string; id: string }> {
		return page.evaluate((s) => {
			const session = JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}");
			const hold = JSON.parse(sessionStorage.getItem(`rg.buyer.hold.${s}`) ?? "{}");
			return { token: session.token, id: hold.reservation?.reservationId };
		}, sku);
	}

	/** Another tab of the same session pays the hold on screen. */
	async function payElsewhere(page: Page, sku: string) {
		// The page writes its hold to sessionStorage in an effect after it shows it: wait for it.
		await expect.poll(async () => (await heldByPage(page, sku)).id ?? "", POLL).not.toBe("");
		const { token, id } = await heldByPage(page, sku);
		const paid = await api(e2e.server, "POST", "/api/checkout", {
			token,
			headers: { "idempotency-key": `other-tab-${id}` },
			body: { reservationId: id, paymentMethod: "pm_card_visa" },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
	}

	const holdHeading = (page: Page) => page.getByRole("heading", { name: "1 unit held for you" });
	const ORDER_SHOWN = /^This hold is already paid: order [0-9A-F]{4}-[0-9A-F]{4} is confirmed\.$/;

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
		// Every availability message that shows no unit held is lost, as when other buyers take
		// the freed units within the same feed interval: only the reset's product message tells.
		const { sku, page, errors } = await holdingPage(undefined, (p) =>
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
		await payElsewhere(page, sku);
		await reset(sku);
		await expect.poll(() => statusText(page), POLL).toMatch(ORDER_SHOWN);
		await page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await holdHeading(page).count()).toBe(0);
		expect(await alertText(page)).toBe("");
		expect(await metric(page, "Sold")).toBe("1");
		expect(errors).toEqual([]);
	});

	it("settles a Release whose answer was lost from the feed, without a second Release", async () => {
		const { page, errors } = await holdingPage();
		let deletes = 0;
		await page.route("**/api/reservations/*", async (route) => {
			if (route.request().method() !== "DELETE") return route.fallback();
			deletes += 1;
			// The Cancel reaches the server, but its answer is lost on the way back.
			await route.fetch();
			return route.abort("internetdisconnected");
		});
		await page.getByRole("button", { name: "Release hold" }).click();
		// The feed shows no unit held: the page reads the hold and says it is cancelled.
		await expect.poll(() => statusText(page), POLL).toBe(CANCELLED_NOTICE);
		expect(await alertText(page)).toBe("");
		expect(await holdHeading(page).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(deletes).toBe(1);
		expect(errors).toEqual([]);
	});

	it("clears a hold whose Cancel answer was lost when Cancel is pressed again", async () => {
		const { page, errors } = await holdingPage(undefined, hideTheEnd);
		let deletes = 0;
		await page.route("**/api/reservations/*", async (route) => {
			if (route.request().method() !== "DELETE") return route.fallback();
			deletes += 1;
			// The first Cancel reaches the server, but its answer is lost on the way back.
			const response = await route.fetch();
			if (deletes === 1) return route.abort("internetdisconnected");
			return route.fulfill({ response });
		});
		await page.getByRole("button", { name: "Release hold" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		await page.getByRole("button", { name: "Release hold" }).click();
		// The second gets 409: the page asks where the hold stands and says it is cancelled.
		await expect.poll(() => statusText(page), POLL).toBe(CANCELLED_NOTICE);
		expect(await holdHeading(page).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(deletes).toBe(2);
		expect(errors).toEqual([]);
	});

	it("shows the order of a hold paid elsewhere when Cancel finds it paid", async () => {
		const { sku, page, errors } = await holdingPage(undefined, hideTheEnd);
		await payElsewhere(page, sku);
		await page.getByRole("button", { name: "Release hold" }).click();
		await expect.poll(() => statusText(page), POLL).toMatch(ORDER_SHOWN);
		await page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await holdHeading(page).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	it("shows the order of a hold paid elsewhere when Pay finds it paid, and counts it in the limit", async () => {
		const { sku, page, errors } = await holdingPage(undefined, hideTheEnd);
		await payElsewhere(page, sku);
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect.poll(() => statusText(page), POLL).toMatch(ORDER_SHOWN);
		await page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await holdHeading(page).count()).toBe(0);
		expect(await alertText(page)).toBe("");
		// One unit paid of the limit of 2: Reserve offers 1, not 2 again.
		const options = await page.getByLabel("Quantity").locator("option").allTextContents();
		expect(options).toEqual(["1"]);
		expect(errors).toEqual([]);
	});

	it("words a hold cancelled elsewhere from its status when Pay finds it ended", async () => {
		const { sku, page, errors } = await holdingPage(undefined, hideTheEnd);
		const { token, id } = await heldByPage(page, sku);
		const cancelled = await api(e2e.server, "DELETE", `/api/reservations/${id}`, { token });
		expect(cancelled.status).toBe(200);
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect.poll(() => statusText(page), POLL).toBe(CANCELLED_NOTICE);
		expect(await alertText(page)).toBe("");
		expect(await holdHeading(page).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(errors).toEqual([]);
	});

	it("words the end of a hold cancelled elsewhere from its status, not as expired", async () => {
		const { sku, page, errors } = await holdingPage({ holdSeconds: 5 }, hideTheEnd);
		// Another tab of the same session cancels it; this page learns at the end of its timer.
		const { token, id } = await heldByPage(page, sku);
		const cancelled = await api(e2e.server, "DELETE", `/api/reservations/${id}`, { token });
		expect(cancelled.status).toBe(200);
		await expect
			.poll(() => statusText(page), { timeout: 30_000, interval: 200 })
			.toBe(CANCELLED_NOTICE);
		expect(await holdHeading(page).count()).toBe(0);
		expect(errors).toEqual([]);
	});
});
