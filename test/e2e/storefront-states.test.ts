// What the storefront says about the sale, in Chromium: every badge and button
// follows the live availability and the clock (the drop opens at startsAt by
// itself, Reserve is off with a reason when it cannot succeed, a stale "Sold out"
// goes away when stock returns), the connection is its own line, an unknown SKU
// stops looking, and every page has a favicon and the site header, 404 included.

import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, metric, openContext, screenshot } from "./browser.ts";
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
import { browserSuite } from "./suite.ts";

/**
 * The drop is made this far ahead, so the page is seen scheduled however long opening it takes
 * on a loaded machine (a start 6 s ahead had passed before the page showed it, once).
 */
const SCHEDULED_AHEAD_MS = 120_000;
/** Then the operator brings the start this near: the page opens it by its clock. */
const STARTS_IN_MS = 4_000;
/** How long a page for an unknown SKU is watched for WebSocket attempts. */
const UNKNOWN_SKU_WATCH_MS = 3_000;

describe("storefront states", () => {
	const e2e = browserSuite();

	async function open(sku: string, viewport = DESKTOP_WIDE, before?: (p: Page) => Promise<void>) {
		const buyer = await openStore(e2e.browser, e2e.server, sku, viewport, before);
		e2e.track(buyer.page);
		return buyer;
	}

	const reserveButton = (page: Page) => page.getByRole("button", { name: "Reserve" });
	const saleBadge = (page: Page, text: string) => page.getByText(text, { exact: true });

	it("opens the drop at startsAt by itself: badge, countdown and Reserve follow the clock", async () => {
		const startsAt = new Date(Date.now() + SCHEDULED_AHEAD_MS).toISOString();
		const sku = await createDrop(e2e.server, { startsAt });
		const { page, errors } = await open(sku);
		await verify(page);
		await saleBadge(page, "Starts soon").waitFor();
		await page.getByRole("timer", { name: "Time until the drop starts" }).waitFor();
		expect(await reserveButton(page).isDisabled()).toBe(true);
		await page.getByText(/Reserving opens when the drop starts, at /).waitFor();
		// The connection is its own line, not a badge beside the sale status.
		await expect.poll(() => feedText(page), POLL).toMatch(/^Live: /);
		await screenshot(page, "storefront-desktop-scheduled");
		await expectNoSeriousA11yViolations(page, "desktop: scheduled");

		// The operator brings the start near; the product message says so, and the page counts
		// down to the new start.
		const near = new Date(Date.now() + STARTS_IN_MS).toISOString();
		const moved = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body: { startsAt: near },
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		// Nothing changes on the server at startsAt, so nothing arrives on the feed: the clock opens it.
		await saleBadge(page, "On sale").waitFor({ timeout: STARTS_IN_MS + 10_000 });
		await expect.poll(() => reserveButton(page).isEnabled(), POLL).toBe(true);
		expect(await page.getByRole("timer", { name: "Time until the drop starts" }).count()).toBe(0);
		expect(await page.getByText(/Reserving opens when/).count()).toBe(0);
		await reserveButton(page).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await expectNoSeriousA11yViolations(page, "desktop: live after start");
		expect(errors).toEqual([]);
	});

	it("turns Reserve off when sold out, and clears a stale Sold out when stock comes back", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 1 });
		// The page's feed can be held back, as a slow connection would: it then still shows
		// the last unit when another buyer has just taken it.
		const feed: { toPage: WebSocketRoute | null; held: string[] | null } = {
			toPage: null,
			held: null,
		};
		const { page, errors } = await open(sku, PHONE, (p) =>
			// The storefront's feed asks for product messages too (`/live?with=product`).
			p.routeWebSocket(/\/live(\?|$)/, (ws) => {
				feed.toPage = ws;
				ws.connectToServer().onMessage((message) => {
					if (feed.held !== null) feed.held.push(String(message));
					else ws.send(message);
				});
			}),
		);
		await verify(page);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("1");
		feed.held = [];
		const rival = await newBuyer(e2e.server);
		const taken = await api<{ reservationId: string }>(e2e.server, "POST", "/api/reservations", {
			token: rival,
			body: { sku },
		});
		expect(taken.status).toBe(201);

		await reserveButton(page).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Sold out/);
		// The feed catches up: the Sold out answer is still true, and Reserve is off with the reason.
		const caughtUp = feed.held;
		feed.held = null;
		for (const message of caughtUp) feed.toPage?.send(message);
		await saleBadge(page, "Sold out").waitFor();
		await expect.poll(() => reserveButton(page).isDisabled(), POLL).toBe(true);
		await page
			.getByText(/Sold out right now\. Holds that run out or are released come back/)
			.waitFor();
		expect(await alertText(page)).toMatch(/^Sold out/);
		await expect.poll(() => feedText(page), POLL).toMatch(/^Live: /);
		await screenshot(page, "storefront-phone-sold-out");
		await expectNoSeriousA11yViolations(page, "phone: sold out");

		// The rival lets go: stock is back, so the old Sold out message goes and Reserve is on.
		const released = await api(
			e2e.server,
			"DELETE",
			`/api/reservations/${taken.body.data?.reservationId}`,
			{ token: rival },
		);
		expect(released.status).toBe(200);
		await saleBadge(page, "On sale").waitFor();
		await expect.poll(() => alertText(page), POLL).toBe("");
		await expect.poll(() => reserveButton(page).isEnabled(), POLL).toBe(true);
		await expectNoSeriousA11yViolations(page, "phone: back on sale");
		expect(errors).toEqual([]);
	});

	it("turns Reserve off at the buyer's limit, with the reason", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1 });
		const { page } = await open(sku);
		await verify(page);
		await reserveButton(page).click();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await expect.poll(() => reserveButton(page).isDisabled(), POLL).toBe(true);
		await page.getByText("You hold or bought 1 of 1 allowed per buyer.").waitFor();
		// Stock is there: the badge says so; only this buyer is at the limit.
		await saleBadge(page, "On sale").waitFor();
		await expectNoSeriousA11yViolations(page, "desktop: at the buyer's limit");
	});

	it("says an unknown SKU does not exist and opens no WebSocket for it", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, PHONE);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		const sockets: string[] = [];
		page.on("websocket", (ws) => sockets.push(ws.url()));
		await page.goto("/?sku=NO-SUCH-SKU-e2e");
		await page.getByRole("heading", { name: "Product not found" }).waitFor();
		await page.getByRole("alert").filter({ hasText: "does not exist" }).waitFor();
		await page.waitForTimeout(UNKNOWN_SKU_WATCH_MS);
		expect(sockets).toEqual([]);
		await expectNoSeriousA11yViolations(page, "phone: unknown SKU");
		// The only failed request is the product's own 404.
		expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
	});

	it("serves favicon.ico, and the 404 page has the site header", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const page = await context.newPage();
		e2e.track(page);
		const notFound: string[] = [];
		page.on("response", (r) => {
			if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
		});
		const icon = await page.request.get("/favicon.ico");
		expect(icon.status()).toBe(200);
		expect(icon.headers()["content-type"]).toMatch(/^image\//);

		for (const path of ["/", "/console", "/demo"]) {
			await page.goto(path);
			await page.getByRole("banner").waitFor();
		}
		const missing = await page.goto("/no/such/page");
		expect(missing?.status()).toBe(404);
		await page.getByRole("heading", { name: "Page not found" }).waitFor();
		const nav = page.getByRole("banner").getByRole("navigation", { name: "Pages" });
		for (const link of ["Store", "Console", "Demo"])
			await nav.getByRole("link", { name: link }).waitFor();
		await screenshot(page, "not-found-desktop");
		await expectNoSeriousA11yViolations(page, "desktop: 404 page");
		// Only the unknown page itself (and an unknown SKU's product read, if any) answers 404.
		expect(notFound).toEqual(["/no/such/page"]);
	});
});
