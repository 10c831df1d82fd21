// The session's hold taken where this page could not hear of it
// (docs/decisions/122-a-buyers-read-of-the-sessions-holds.md): another browser sharing the
// session (a second browser context: no channel between them), or a tab of this browser that
// missed the other tab's message (as while the browser froze it). Coming back into view, the page
// reads the session's standing holds (`GET /api/products/:sku/holds/mine`) and shows the other's
// hold instead of offering Reserve; never on a timer, and not while nothing is held at all.
// A page that loads with the session and no hold of its own reads once at once
// (docs/decisions/131-the-buyers-read-followed-through.md): it shows the other's hold, caps the
// Quantity by the server's count, and counts down a running cool-down before any click.

import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cooldownMs } from "../../src/domain/hold-cooldown.ts";
import { collectPageErrors, openContext } from "./browser.ts";
import {
	alertText,
	type BuyerPage,
	createDrop,
	DESKTOP_WIDE,
	openStore,
	POLL,
	statusText,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** Where the page keeps its session (src/web/storefront/stored.ts SESSION_KEY). */
const SESSION_KEY = "rg.buyer.session";
const ELSEWHERE =
	"This session holds 1 unit reserved in another tab or window: the hold shows here too, and you can pay it from either.";
const ORDER_SHOWN = /^This hold is already paid: order [0-9A-F]{4}-[0-9A-F]{4} is confirmed\.$/;

describe("storefront: the session's hold taken elsewhere", () => {
	const e2e = browserSuite();

	const holdHeading = (page: Page) => page.getByRole("heading", { name: "1 unit held for you" });
	const reserveButton = (page: Page) => page.getByRole("button", { name: "Reserve" });
	/** The buyer switches (back) to this page. */
	const comesIntoView = (page: Page) =>
		page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));

	/** The requests this page makes for the session's holds (and, `reserves`, its reserves). */
	function holdsReads(page: Page, reserves: string[] = []): string[] {
		const seen: string[] = [];
		page.on("request", (r) => {
			if (r.url().includes("/holds/mine")) seen.push(r.url());
			if (r.method() === "POST" && r.url().endsWith("/api/reservations")) reserves.push(r.url());
		});
		return seen;
	}

	/**
	 * A page on `sku` in `context` that starts with `from`'s session (and nothing else of its);
	 * `deaf`: it hears nothing on the tabs' channel (as a tab the browser froze meanwhile).
	 */
	async function sameSession(
		from: Page,
		context: BrowserContext,
		sku: string,
		deaf = false,
	): Promise<BuyerPage & { reads: string[]; reserves: string[] }> {
		const session = await from.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
		expect(session).not.toBeNull();
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		const reserves: string[] = [];
		const reads = holdsReads(page, reserves);
		if (deaf)
			await page.addInitScript(() => {
				Reflect.deleteProperty(globalThis, "BroadcastChannel");
			});
		await page.addInitScript(
			({ key, value }) => {
				if (sessionStorage.getItem(key) === null) sessionStorage.setItem(key, value);
			},
			{ key: SESSION_KEY, value: session as string },
		);
		await page.goto(`/?sku=${sku}`);
		await page.getByRole("heading", { name: `Drop ${sku}` }).waitFor();
		return { page, errors, reads, reserves };
	}

	/** Buyer A on a drop, through the human check, with its session stored. */
	async function buyerA(sku: string): Promise<BuyerPage> {
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		await expect
			.poll(() => a.page.evaluate((key) => sessionStorage.getItem(key) ?? "", SESSION_KEY), POLL)
			.not.toBe("");
		return a;
	}

	it("shows, in a second browser with the same session, the hold the first took once it comes into view", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds: 600 });
		const a = await buyerA(sku);
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const b = e2e.track(await sameSession(a.page, context, sku));
		const { reads } = b;
		await reserveButton(b.page).waitFor();
		// Its load read, before A reserved: nothing to show.
		await expect.poll(() => reads.length, POLL).toBe(1);

		await reserveButton(a.page).click();
		await holdHeading(a.page).waitFor();
		// B hears nothing from A (another browser): it still offers Reserve, and asks nothing more.
		await b.page.waitForTimeout(1_000);
		expect(await reserveButton(b.page).count()).toBe(1);
		expect(reads).toHaveLength(1);

		await comesIntoView(b.page);
		await holdHeading(b.page).waitFor(POLL);
		await expect.poll(() => statusText(b.page), POLL).toBe(ELSEWHERE);
		expect(await reserveButton(b.page).count()).toBe(0);
		expect(reads).toHaveLength(2);

		// The same hold: paid in B, A shows the order once it comes into view in its turn.
		await b.page.getByRole("button", { name: "Pay $42.00" }).click();
		await b.page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		await comesIntoView(a.page);
		await expect.poll(() => statusText(a.page), POLL).toMatch(ORDER_SHOWN);
		expect(await holdHeading(a.page).count()).toBe(0);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("asks nothing but its load read on coming into view while the stock shows no unit held by anyone", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds: 600 });
		const a = await buyerA(sku);
		const reads = holdsReads(a.page);
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const b = e2e.track(await sameSession(a.page, context, sku));
		await reserveButton(b.page).waitFor();
		await expect.poll(() => b.reads.length, POLL).toBe(1);
		await comesIntoView(b.page);
		await comesIntoView(a.page);
		await b.page.waitForTimeout(1_000);
		expect(b.reads).toHaveLength(1);
		expect(reads).toEqual([]);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("shows, in a tab that missed the other tab's message, the other's hold once it comes into view", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 2, holdSeconds: 600 });
		const a = await buyerA(sku);
		// Same browser, but this tab hears nothing on the tabs' channel (as while frozen).
		const b = e2e.track(await sameSession(a.page, a.page.context(), sku, true));
		await reserveButton(b.page).waitFor();

		await reserveButton(a.page).click();
		await holdHeading(a.page).waitFor();
		await b.page.waitForTimeout(1_000);
		expect(await reserveButton(b.page).count()).toBe(1);

		await comesIntoView(b.page);
		await holdHeading(b.page).waitFor(POLL);
		await expect.poll(() => statusText(b.page), POLL).toBe(ELSEWHERE);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("shows at once, in a second browser opened after the first reserved, the first's hold", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds: 600 });
		const a = await buyerA(sku);
		await reserveButton(a.page).click();
		await holdHeading(a.page).waitFor();

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const b = e2e.track(await sameSession(a.page, context, sku));
		// No return into view, no tab news: the page's own load read.
		await holdHeading(b.page).waitFor(POLL);
		await expect.poll(() => statusText(b.page), POLL).toBe(ELSEWHERE);
		expect(await reserveButton(b.page).count()).toBe(0);
		expect(b.reads).toHaveLength(1);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("caps the Quantity, in a browser opened later, by the units the session bought elsewhere", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 9, perUserLimit: 3, holdSeconds: 600 });
		const a = await buyerA(sku);
		await a.page.getByLabel("Quantity").selectOption("2");
		await reserveButton(a.page).click();
		await a.page.getByRole("heading", { name: "2 units held for you" }).waitFor();
		await a.page.getByRole("button", { name: /^Pay / }).click();
		await a.page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const b = e2e.track(await sameSession(a.page, context, sku));
		await reserveButton(b.page).waitFor();
		await expect.poll(() => b.reads.length, POLL).toBe(1);
		// The server counted 2 of 3: one more is offered (before the load read: 1, 2, 3).
		const options = () => b.page.getByLabel("Quantity").locator("option").allTextContents();
		await expect.poll(options, POLL).toEqual(["1"]);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("counts down, in a browser opened during the session's cool-down, before any click", async () => {
		const holdSeconds = 2;
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds });
		const a = await buyerA(sku);
		await reserveButton(a.page).click();
		await holdHeading(a.page).waitFor();
		await expect.poll(() => alertText(a.page), POLL).toMatch(/hold expired/);

		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE);
		const b = e2e.track(await sameSession(a.page, context, sku));
		const waiting = b.page.getByRole("button", { name: /^Wait \d+ s$/ });
		await waiting.waitFor(POLL);
		expect(await waiting.isDisabled()).toBe(true);
		const shown = Number((await waiting.textContent())?.match(/\d+/)?.[0]);
		expect(shown).toBeGreaterThan(0);
		expect(shown).toBeLessThanOrEqual(cooldownMs(holdSeconds) / 1000);
		await expect
			.poll(() => statusText(b.page), POLL)
			.toMatch(
				/^Your last hold on this product ended without a payment, so its units went to other buyers first\. You can reserve it again in \d+ seconds?\.$/,
			);
		// Learned from the read, not from a refused click.
		expect(b.reserves).toEqual([]);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});
});
