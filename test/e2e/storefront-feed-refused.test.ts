// The storefront whose live feed the server refuses (past MAX_LIVE_SOCKETS viewers the upgrade is
// answered 503, which a browser's WebSocket sees as a socket closed before it opened), in
// Chromium. The feed is refused here by Playwright's routed WebSocket, closed before it opens
// (the server's own refusal, with a bound of 1: storefront-feed-bound.test.ts).
// The page reads the product at once instead of an interval later, so it never calls the store
// out of reach right after the store answered it, and a product read in the feed's place gives
// the feed's signals: an operator's reset drops the place in line on screen
// (docs/storefront.md "The live connection", docs/decisions/109-a-page-without-its-live-feed.md).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { pauseSoon } from "./browser.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const READ_LINE =
	/^No live updates: the stock was read at \d{1,2}:\d{2}:\d{2}(?: [AP]M)? and is read again every 10 s\.$/;
/** The read in the feed's place comes every 10 s ± 20 %, the ticket's read within 2 s of its news. */
const FALLBACK_WAIT_MS = 25_000;

describe("storefront with its live feed refused", () => {
	const e2e = browserSuite();

	/** Refuses every feed socket, the first only once `first` is settled; counts them. */
	function refuseFeed(first: Promise<void> = Promise.resolve()) {
		const refusals = { count: 0 };
		const route = (page: Page) =>
			page.routeWebSocket(/\/live(\?|$)/, async (ws) => {
				if (refusals.count === 0) await first;
				refusals.count += 1;
				// Closed before it opens, as a refused upgrade is to the page.
				await ws.close({ code: 1011, reason: "too many live viewers" });
			});
		return { route, refusals };
	}

	it("reads the product at once when the feed is refused: not stale, and the hold panel does not call the store out of reach", async () => {
		const sku = await createDrop(e2e.server);
		let refuseNow: () => void = () => {};
		const gate = new Promise<void>((resolve) => {
			refuseNow = resolve;
		});
		const feed = refuseFeed(gate);
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, async (p) => {
				await p.clock.install();
				await feed.route(p);
			}),
		);
		await verify(page);
		expect(feed.refusals.count).toBe(0);

		// From here the page's clock moves only when the test moves it: the read every 10 s
		// cannot come, so only a read at once can end "Stock may be stale".
		await pauseSoon(page);
		refuseNow();
		await expect.poll(() => feedText(page), POLL).toMatch(/^Stock may be stale|^No live updates/);
		let pageMs = 0;
		while (pageMs < 3_000 && !READ_LINE.test((await feedText(page)) ?? "")) {
			await page.clock.runFor(100);
			pageMs += 100;
			// Let the read's answer arrive and render before the next step.
			await page.waitForTimeout(100);
		}
		// Three page seconds at most (the read every 10 s cannot have come); its answer may still
		// be on its way on a loaded machine, and the paused clock lets nothing else in meanwhile.
		await expect.poll(() => feedText(page), POLL).toMatch(READ_LINE);
		expect(feed.refusals.count).toBeGreaterThan(0);
		// The numbers are not greyed as stale.
		expect(await page.locator(".stale").count()).toBe(0);

		await page.clock.resume();
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(await page.getByText(/This page cannot reach the store right now\./).count()).toBe(0);
		expect(await feedText(page)).toMatch(READ_LINE);
		expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});

	it("says the store is busy, not out of reach, when the read in the feed's place is refused with an HTTP answer", async () => {
		const sku = await createDrop(e2e.server);
		const feed = refuseFeed();
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, feed.route),
		);
		await verify(page);
		await expect.poll(() => feedText(page), POLL).toMatch(READ_LINE);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();

		// From now the product's reads get the read limiter's answer: an HTTP 429, not silence.
		const limited = { count: 0 };
		await page.route(new RegExp(`/api/products/${sku}$`), (route) => {
			limited.count += 1;
			return route.fulfill({
				status: 429,
				headers: { "retry-after": "1" },
				json: { error: { code: "rate_limited", message: "Too many requests." } },
			});
		});
		const busyNote = page.getByText(/^The store is busy right now and asked this page to wait/);
		await busyNote.waitFor({ timeout: FALLBACK_WAIT_MS });
		expect(limited.count).toBeGreaterThan(0);
		expect(await page.getByText(/This page cannot reach the store right now\./).count()).toBe(0);
		expect(await feedText(page)).toMatch(/^Stock may be stale: the store is busy right now/);
		// The store answers again: the line says the read, and the note goes.
		await page.unroute(new RegExp(`/api/products/${sku}$`));
		await expect
			.poll(() => feedText(page), { ...POLL, timeout: FALLBACK_WAIT_MS })
			.toMatch(READ_LINE);
		expect(await busyNote.count()).toBe(0);
		expect(errors.filter((e) => !/WebSocket|429/.test(e))).toEqual([]);
	});

	it("says a place in line was dropped by an operator's reset, from the product read in the feed's place", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		const feed = refuseFeed();
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, feed.route),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		// Units are free: the turn comes at once, and lasts 120 s.
		await page.getByText(/It is your turn: reserve within/).waitFor();

		const reset = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
			body: {},
		});
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		// No product message comes: the read in the feed's place shows the reset's new seed.
		await page
			.getByText(/Your place in line is gone: the sale was reset/)
			.waitFor({ timeout: FALLBACK_WAIT_MS });
		expect(await page.getByText(/It is your turn: reserve within/).count()).toBe(0);
		expect(feed.refusals.count).toBeGreaterThan(0);
		expect(await feedText(page)).toMatch(READ_LINE);
		expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});
});
