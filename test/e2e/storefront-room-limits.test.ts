// The storefront's queue and limit states in Chromium
// (docs/decisions/097-the-storefront-queue-and-limit-states.md): a buyer at the per-buyer limit
// is offered no turn when the operator turns a room on, a place dropped by an operator's reset
// is said so within seconds, the human check's success sentence follows the page, and a product
// whose name and SKU are one long word stays inside a phone's width. The operator and the other buyers act through the API.

import { describe, expect, it } from "vitest";
import type { Reservation, Stats } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { metric, openContext, screenshot } from "./browser.ts";
import {
	alertText,
	createDrop,
	holdTheOnlyUnit,
	openStore,
	PHONE,
	POLL,
	statusText,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The page reads its ticket within 2 s of a product message (OPERATOR_NEWS_READ_SPREAD_MS), plus a loaded machine. */
const AFTER_RESET = { ...POLL, timeout: 8_000 };
const DROPPED = /Your place in line is gone: the sale was reset/;

describe("storefront queue and limit states", () => {
	const e2e = browserSuite();

	const patch = (sku: string, body: Record<string, unknown>) =>
		api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body,
		});
	const queueStats = async (sku: string) =>
		(
			await api<Stats>(e2e.server, "GET", `/api/admin/products/${sku}/stats`, {
				token: e2e.server.adminToken,
			})
		).body.data?.queue;

	it("offers no Join to a buyer at the limit when a room is turned on, says the limit, and spends no admission", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 6, perUserLimit: 2 });
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		await page.getByLabel("Quantity").selectOption("2");
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("button", { name: "Pay $84.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await page.getByText("You hold or bought 2 of 2 allowed per buyer.").waitFor();

		const patched = await patch(sku, {
			waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0 },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);
		// The product message brings the room: its card says the limit instead of offering a turn.
		await page.getByRole("heading", { name: "Waiting room" }).waitFor({ timeout: POLL.timeout });
		await page
			.getByText(/You hold or bought 2 of 2 allowed per buyer\. The queue gives turns to buy/)
			.waitFor();
		expect(await page.getByRole("button", { name: "Join the queue" }).count()).toBe(0);
		// Nor does the verify step's sentence point to a queue to join.
		expect(await page.getByText(/Join the queue to get your turn/).count()).toBe(0);
		expect(await queueStats(sku)).toMatchObject({ waiting: 0, admitted: 0, admittedTotal: 0 });
		await screenshot(page, "storefront-room-at-limit");
		expect(errors).toEqual([]);
	});

	it("learns the limit from the join's 403 when another tab reached it: the limit in the card, no raw error, and Check again after a cancel there", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 6, perUserLimit: 2 });
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		// Another tab of the same buyer (the same session) holds the limit; this tab saw none of it.
		const token = await page.evaluate(
			() => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token as string,
		);
		const held = await api<Reservation>(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: 2 },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		const patched = await patch(sku, {
			waitingRoom: { enabled: true, admitSeconds: 30, overbook: 0 },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);
		const join = page.getByRole("button", { name: "Join the queue" });
		await join.waitFor({ timeout: POLL.timeout });
		await join.click();

		// The server's 403 names the limit: the card says it instead of offering Join again.
		await page
			.getByText(/already holds or bought the per-buyer limit of 2 units, in another tab or window/)
			.waitFor(POLL);
		expect(await join.count()).toBe(0);
		expect(await alertText(page)).toBe("");
		expect(await queueStats(sku)).toMatchObject({ waiting: 0, admitted: 0, admittedTotal: 0 });
		await screenshot(page, "storefront-room-limit-other-tab");

		// The other tab cancels its hold: Check again joins, and the turn comes.
		const id = held.body.data?.reservationId ?? "";
		expect((await api(e2e.server, "DELETE", `/api/reservations/${id}`, { token })).status).toBe(
			200,
		);
		await page.getByRole("button", { name: "Check again" }).click();
		await page.getByText(/It is your turn: reserve within/).waitFor(POLL);
		// The browser's own line for the refused join; nothing else.
		expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
	});

	it("says a place in line was dropped by an operator's reset, within seconds, and lets the buyer join again", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// Someone ahead holds the only unit.
		await holdTheOnlyUnit(e2e.server, sku);

		const buyer = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		const { page, errors } = buyer;
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor();
		// The verify step's pointer to the queue went once the buyer joined.
		expect(await page.getByText(/Join the queue to get your turn/).count()).toBe(0);

		const reset = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
			body: {},
		});
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		await expect.poll(() => page.getByText(DROPPED).count(), AFTER_RESET).toBe(1);
		expect(await page.getByText("Your place in line: 1").count()).toBe(0);
		await screenshot(page, "storefront-room-place-dropped");

		// Joining again gives a new place (here at once: the unit is free after the reset).
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText(/It is your turn: reserve within/).waitFor();
		expect(await page.getByText(DROPPED).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	it("words the human check's success from the page: no 'reserve now' before the start", async () => {
		const startsAt = new Date(Date.now() + 3_600_000).toISOString();
		const sku = await createDrop(e2e.server, { startsAt });
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		await page.getByText(/^Reserving opens when the drop starts, at /).waitFor();
		// Nothing in the purchase status while Reserve is closed: the Reserve panel's own status
		// says why, and its "Verified ·" line says the check passed (decision 116).
		expect(await statusText(page)).toBe("");
		expect(await page.getByRole("status", { name: "Why Reserve is off" }).textContent()).toMatch(
			/^Reserving opens when the drop starts, at /,
		);
		expect(errors).toEqual([]);
	});

	it("keeps a 200-character one-word name and a 64-character SKU inside a phone's width, and groups a large stock's digits", async () => {
		const sku = `E2E-${"Z".repeat(24)}${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}${"Z".repeat(28)}`;
		expect(sku).toHaveLength(64);
		const name = "X".repeat(200);
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: {
				sku,
				name,
				priceCents: 4200,
				currency: "USD",
				totalStock: 10_000_000,
				perUserLimit: 2,
			},
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const page = e2e.track(await (await openContext(e2e.browser, e2e.server.url, PHONE)).newPage());
		await page.goto(`/?sku=${sku}`);
		await page.getByRole("heading", { name }).waitFor();
		const widths = await page.evaluate(() => ({
			page: document.documentElement.scrollWidth,
			viewport: innerWidth,
		}));
		expect(widths.page, JSON.stringify(widths)).toBeLessThanOrEqual(widths.viewport);
		// The stock is grouped like the price beside it, in the browser's locale.
		const grouped = await page.evaluate(() => new Intl.NumberFormat().format(10_000_000));
		expect(grouped).not.toBe("10000000");
		expect(await metric(page, "Total")).toBe(grouped);
		await screenshot(page, "storefront-long-name-phone");
	});
});
