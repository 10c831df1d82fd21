// An open storefront follows the operator's PATCH, in Chromium: a drop opened early
// opens on the page at once, a drop postponed shows its new start, and a waiting room
// enabled after the page was read is offered to the buyer whose Reserve it refused
// (docs/decisions/060-storefront-follows-the-operator.md), and a price changed while a
// buyer holds a unit is shown, while the hold pays the price it was taken at
// (docs/decisions/089-prices-operator-budget-and-production-guards.md).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The read that stands in for a missing feed comes every 10 s ± 20 % (src/web/storefront/useFallbackRead.ts). */
const FALLBACK_WAIT_MS = 20_000;
/** A start far enough away that only the operator's PATCH can open the drop in a test. */
const STARTS_IN_MS = 60 * 60 * 1000;

describe("storefront after an operator's change", () => {
	const e2e = browserSuite();

	async function open(sku: string, before?: (page: Page) => Promise<void>) {
		const buyer = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, before);
		e2e.track(buyer.page);
		await verify(buyer.page);
		return buyer;
	}

	async function patch(sku: string, body: Record<string, unknown>) {
		const r = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body,
		});
		expect(r.status, JSON.stringify(r.body)).toBe(200);
	}

	/** Passes the feed's availability messages on and drops its product messages. */
	const dropProductMessages = (page: Page) =>
		page.routeWebSocket(/\/live(\?|$)/, (ws) => {
			ws.connectToServer().onMessage((message) => {
				if (!String(message).startsWith('{"type":"product"')) ws.send(message);
			});
		});

	const reserveButton = (page: Page) => page.getByRole("button", { name: "Reserve" });
	const saleBadge = (page: Page, text: string) => page.getByText(text, { exact: true });
	const countdown = (page: Page) => page.getByRole("timer", { name: "Time until the drop starts" });

	it("opens a drop the operator opened early, without a reload", async () => {
		const sku = await createDrop(e2e.server, {
			startsAt: new Date(Date.now() + STARTS_IN_MS).toISOString(),
		});
		const { page, errors } = await open(sku);
		await saleBadge(page, "Starts soon").waitFor();
		await countdown(page).waitFor();
		expect(await reserveButton(page).isDisabled()).toBe(true);

		await patch(sku, { startsAt: null });
		await saleBadge(page, "On sale").waitFor({ timeout: POLL.timeout });
		await expect.poll(() => reserveButton(page).isEnabled(), POLL).toBe(true);
		expect(await countdown(page).count()).toBe(0);
		expect(await page.getByText(/Reserving opens when/).count()).toBe(0);
		await reserveButton(page).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(errors).toEqual([]);
	});

	it("shows the new start of a drop the operator postponed, from the feed's status alone", async () => {
		const sku = await createDrop(e2e.server);
		// No product message: the availability's "scheduled" contradicts the page's product,
		// which the page then reads again.
		const { page, errors } = await open(sku, dropProductMessages);
		await saleBadge(page, "On sale").waitFor();

		await patch(sku, { startsAt: new Date(Date.now() + STARTS_IN_MS).toISOString() });
		await saleBadge(page, "Starts soon").waitFor({ timeout: POLL.timeout });
		expect(await reserveButton(page).isDisabled()).toBe(true);
		// The product is read again: the countdown to the new start and its time.
		await countdown(page).waitFor({ timeout: POLL.timeout });
		await page.getByText(/Reserving opens when the drop starts, at /).waitFor(POLL);
		expect(errors).toEqual([]);
	});

	it("shows a waiting room and a new limit the operator set, before the buyer acts", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await open(sku);
		await reserveButton(page).waitFor();
		await page.getByText(/Up to 2 per buyer/).waitFor();

		await patch(sku, {
			perUserLimit: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// The feed brings the product: the queue replaces Reserve, with no refusal first.
		await page.getByRole("button", { name: "Join the queue" }).waitFor({ timeout: POLL.timeout });
		expect(await reserveButton(page).count()).toBe(0);
		await page.getByText(/Up to 1 per buyer/).waitFor();
		expect(errors).toEqual([]);
	});

	it("follows a PATCH without a live feed, from the product read in its place", async () => {
		const sku = await createDrop(e2e.server);
		// Every feed is refused, as past MAX_LIVE_SOCKETS viewers: the page never gets one.
		let refused = 0;
		const { page, errors } = await open(sku, (p) =>
			p.routeWebSocket(/\/live(\?|$)/, (ws) => {
				refused += 1;
				return ws.close({ code: 1011, reason: "too many live viewers" });
			}),
		);
		await reserveButton(page).waitFor();
		await page.getByText(/Up to 2 per buyer/).waitFor();

		await patch(sku, { name: "Renamed sneaker", perUserLimit: 1 });
		// No product message and no contradiction: the read that stands in for the feed brings it.
		await page
			.getByRole("heading", { name: "Renamed sneaker" })
			.waitFor({ timeout: FALLBACK_WAIT_MS });
		await page.getByText(/Up to 1 per buyer/).waitFor();
		expect(refused).toBeGreaterThan(0);
		expect(await feedText(page)).toMatch(
			/^No live updates: the stock was read at \d{1,2}:\d{2}:\d{2}(?: [AP]M)? and is read again every 10 s\.$/,
		);
		// The page can reach the store: the numbers are not greyed as stale.
		await reserveButton(page).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(await page.getByText(/This page cannot reach the store right now\./).count()).toBe(0);
		expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});

	it("offers the queue once Reserve meets a waiting room it was not told of", async () => {
		const sku = await createDrop(e2e.server);
		// The feed's product message is lost (a page that reconnected late, an older server):
		// the refusal alone must bring the room.
		const { page, errors } = await open(sku, dropProductMessages);
		await reserveButton(page).waitFor();
		expect(await page.getByRole("heading", { name: "Waiting room" }).count()).toBe(0);

		await patch(sku, { waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 } });
		await reserveButton(page).click();
		await page.getByText(/This drop has a waiting room: it is not your turn/).waitFor();
		// What the sentence promises is there: the queue, not Reserve again.
		await page.getByRole("button", { name: "Join the queue" }).waitFor({ timeout: POLL.timeout });
		expect(await reserveButton(page).count()).toBe(0);
		await page.getByRole("button", { name: "Join the queue" }).click();
		// Units are free: the turn comes at once, and Reserve now succeeds.
		await page.getByText(/It is your turn: reserve within/).waitFor();
		await reserveButton(page).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(errors).toEqual([]);
	});

	it("keeps a held unit at the price it was taken at when the operator reprices, and says so", async () => {
		const sku = await createDrop(e2e.server, { priceCents: 1999, currency: "USD" });
		const { page, errors } = await open(sku);
		await reserveButton(page).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await page.getByRole("button", { name: "Pay $19.99" }).waitFor();

		await patch(sku, { priceCents: 5000, currency: "EUR" });
		// The feed brings the new price to the card; the hold keeps, and charges, its own.
		await page
			.getByText("The price is now €50.00 a unit; your hold keeps the $19.99 it was taken at.")
			.waitFor({ timeout: POLL.timeout });
		const pay = page.getByRole("button", { name: "Pay $19.99" });
		expect(await pay.count()).toBe(1);
		await pay.click();
		const orders = page.getByRole("region", { name: "Your orders" });
		await orders.getByText("$19.99").waitFor({ timeout: POLL.timeout });
		expect(await orders.getByText("€50.00").count()).toBe(0);
		expect(errors).toEqual([]);
	});
});
