// Two tabs of one buyer in Chromium (docs/decisions/110-two-tabs-of-one-buyer.md): the second
// tab is a duplicate of the first, as a browser's "Duplicate tab" makes it (a copy of its
// sessionStorage: the same session, the same hold). What one tab does to the session's standing
// (a Release, a payment, a join) shows in the other within seconds, from the server's answer to
// a read the other tab makes when the first tells it on the tabs' channel, even while another
// buyer's holds keep the stock's `reserved` above the released hold.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { endedHoldNotice } from "../../src/web/storefront/ended-hold.ts";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { collectPageErrors, metric } from "./browser.ts";
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

const CANCELLED_NOTICE = "This hold was cancelled, so its units are back in stock.";
const ORDER_SHOWN = /^This hold is already paid: order [0-9A-F]{4}-[0-9A-F]{4} is confirmed\.$/;
const LIMIT_REFUSAL = /^Purchase limit reached/;

describe("storefront in two tabs of one buyer", () => {
	const e2e = browserSuite();

	/** A new page in `page`'s context that starts with a copy of its sessionStorage, on its URL. */
	async function duplicate(
		page: Page,
		heading: string,
		before?: (copy: Page) => Promise<unknown>,
	): Promise<{ page: Page; errors: string[] }> {
		const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
		const copy = await page.context().newPage();
		const errors = collectPageErrors(copy);
		await before?.(copy);
		await copy.addInitScript((s) => {
			// Once: a reload of the duplicate keeps its own storage, as a real tab does.
			if (sessionStorage.getItem("e2e.duplicated") !== null) return;
			for (const [k, v] of Object.entries(JSON.parse(s) as Record<string, string>))
				sessionStorage.setItem(k, v);
			sessionStorage.setItem("e2e.duplicated", "1");
		}, stored);
		await copy.goto(page.url());
		await copy.getByRole("heading", { name: heading }).waitFor();
		return { page: copy, errors };
	}

	/** Another buyer holds `quantity` units, so `reserved` never falls to the released hold's size. */
	async function otherBuyerHolds(sku: string, quantity: number) {
		const token = await newBuyer(e2e.server);
		const held = await api<Reservation>(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku, quantity },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
	}

	const holdHeading = (page: Page) => page.getByRole("heading", { name: "1 unit held for you" });

	/** The duplicate misses the other tab's news of a hold taken (as while the browser froze it). */
	const missesHoldNews = (copy: Page) =>
		copy.addInitScript(() => {
			const Real = BroadcastChannel;
			class Deaf extends Real {
				override set onmessage(listener: ((event: MessageEvent) => void) | null) {
					super.onmessage = (event: MessageEvent) => {
						if (typeof event.data?.holdId === "string") return;
						listener?.call(this, event);
					};
				}
			}
			Reflect.set(globalThis, "BroadcastChannel", Deaf);
		});

	/** The buyer's session token, as the page keeps it. */
	const tokenOf = (page: Page) =>
		page.evaluate(
			() => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token as string,
		);

	/** Tab A holding one unit of a busy drop, and tab B its duplicate showing the same hold. */
	async function twoTabsOneHold(before?: (copy: Page) => Promise<unknown>) {
		const sku = await createDrop(e2e.server, {
			totalStock: 10,
			perUserLimit: 2,
			holdSeconds: 600,
		});
		await otherBuyerHolds(sku, 2);
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		await a.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(a.page).waitFor();
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`, before));
		await holdHeading(b.page).waitFor();
		await expect.poll(() => metric(b.page, "Held"), POLL).toBe("3");
		return { sku, a, b };
	}

	it("takes a hold released in one tab off its duplicate, in the words of its status", async () => {
		const { a, b } = await twoTabsOneHold();
		await a.page.getByRole("button", { name: "Release hold" }).click();
		await a.page.getByText("Hold released: the units are back in stock.").waitFor();
		await expect.poll(() => statusText(b.page), POLL).toBe(CANCELLED_NOTICE);
		expect(await holdHeading(b.page).count()).toBe(0);
		expect(await b.page.getByRole("button", { name: /^Pay / }).count()).toBe(0);
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();
		// Another buyer's two units are still held: the feed alone could not have told.
		expect(await metric(b.page, "Held")).toBe("2");
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("takes a hold a failed payment released in one tab off its duplicate", async () => {
		const { a, b } = await twoTabsOneHold();
		const pay = a.page.getByRole("button", { name: "Pay $42.00" });
		await a.page.getByRole("radio", { name: /Declined card/ }).check();
		for (const failed of ["1 of 3", "2 of 3"]) {
			await pay.click();
			await a.page.getByText(`${failed} payment attempts on this hold failed`).waitFor(POLL);
		}
		// The third failure releases the hold: A says so, and tells B as a Release would.
		await pay.click();
		await expect
			.poll(() => alertText(a.page), POLL)
			.toMatch(/failed payment 3 of 3 allowed on this hold, so the reservation is released/);
		await expect.poll(() => holdHeading(b.page).count(), POLL).toBe(0);
		expect(await b.page.getByRole("button", { name: /^Pay / }).count()).toBe(0);
		// In the words of the hold's status, as B reads it from the server.
		const shown = async () => `${await statusText(b.page)}|${await alertText(b.page)}`;
		await expect.poll(shown, POLL).toContain(endedHoldNotice("PAYMENT_FAILED").text);
		// Another buyer's two units are still held: the feed alone could not have told.
		expect(await metric(b.page, "Held")).toBe("2");
		expect([...a.errors, ...b.errors].filter((e) => !/status of 402/.test(e))).toEqual([]);
	});

	it("reads the hold again when a tab that missed the other's news comes back into view", async () => {
		// B hears nothing from A (no channel, as when the browser froze it meanwhile).
		const { a, b } = await twoTabsOneHold((copy) =>
			copy.addInitScript(() => {
				Reflect.deleteProperty(globalThis, "BroadcastChannel");
			}),
		);
		await a.page.getByRole("button", { name: "Release hold" }).click();
		await a.page.getByText("Hold released: the units are back in stock.").waitFor();
		// The feed shows the release (Held 2) but another buyer's holds mask it: B still offers Pay.
		await expect.poll(() => metric(b.page, "Held"), POLL).toBe("2");
		expect(await holdHeading(b.page).count()).toBe(1);
		// The buyer switches back to B.
		await b.page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
		await expect.poll(() => statusText(b.page), POLL).toBe(CANCELLED_NOTICE);
		expect(await holdHeading(b.page).count()).toBe(0);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("shows a hold paid in one tab as paid in its duplicate, with its order, and no Pay", async () => {
		const { a, b } = await twoTabsOneHold();
		await a.page.getByRole("button", { name: "Pay $42.00" }).click();
		await a.page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		await expect.poll(() => statusText(b.page), POLL).toMatch(ORDER_SHOWN);
		await b.page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await holdHeading(b.page).count()).toBe(0);
		expect(await alertText(b.page)).toBe("");
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("drops a limit refusal in one tab once the other tab releases the units that made it", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds: 600 });
		await otherBuyerHolds(sku, 1);
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`, missesHoldNews));
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();
		await a.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(a.page).waitFor();
		// B missed the news of A's hold: the server refuses B's Reserve for the limit.
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(b.page), POLL).toMatch(LIMIT_REFUSAL);

		await a.page.getByRole("button", { name: "Release hold" }).click();
		await a.page.getByText("Hold released: the units are back in stock.").waitFor();
		await expect.poll(() => alertText(b.page), POLL).toBe("");
		// And B's Reserve now takes the unit A released.
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(b.page).waitFor();
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("says how many units are left when the server's count leaves some, and offers no more", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 10, perUserLimit: 2, holdSeconds: 600 });
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`, missesHoldNews));
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();
		await a.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(a.page).waitFor();
		// B missed the news of A's hold of 1 and offers 2: the server refuses 2, counting 1 held.
		await b.page.getByLabel("Quantity").selectOption("2");
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await expect
			.poll(() => alertText(b.page), POLL)
			.toBe(
				"Each buyer may hold or buy 2 of this product, and this session holds or bought 1, in this tab or another: you can reserve 1 more.",
			);
		expect(await b.page.getByLabel("Quantity").locator("option").allTextContents()).toEqual(["1"]);
		// And the one unit left is B's to take.
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(b.page).waitFor(POLL);
		expect([...a.errors, ...b.errors].filter((e) => !/status of 403/.test(e))).toEqual([]);
	});

	it("keeps the Quantity cap from the server's count after the refusal leaves the screen, until the other tab releases", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 10, perUserLimit: 3, holdSeconds: 600 });
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`, missesHoldNews));
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();
		await a.page.getByLabel("Quantity").selectOption("2");
		await a.page.getByRole("button", { name: "Reserve" }).click();
		await a.page.getByRole("heading", { name: "2 units held for you" }).waitFor();
		// B missed the news of A's hold of 2 and offers 3: the server refuses, counting 2 held.
		const options = () => b.page.getByLabel("Quantity").locator("option").allTextContents();
		await b.page.getByLabel("Quantity").selectOption("3");
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(b.page), POLL).toMatch(/you can reserve 1 more\.$/);
		expect(await options()).toEqual(["1"]);
		// B takes the one unit left, then lets it go: the refusal is no longer on screen, and A
		// still holds 2, so B still offers 1, not 3.
		await b.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(b.page).waitFor(POLL);
		await b.page.getByRole("button", { name: "Release hold" }).click();
		await b.page.getByText("Hold released: the units are back in stock.").waitFor(POLL);
		expect(await alertText(b.page)).toBe("");
		expect(await options()).toEqual(["1"]);
		// A releases its 2 (B hears of a release): B offers the limit again.
		await a.page.getByRole("button", { name: "Release hold" }).click();
		await a.page.getByText("Hold released: the units are back in stock.").waitFor();
		await expect.poll(options, POLL).toEqual(["1", "2", "3"]);
		expect([...a.errors, ...b.errors].filter((e) => !/status of 403/.test(e))).toEqual([]);
	});

	it("shows a hold the other tab takes after the duplication, read from the server, instead of Reserve", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 5, perUserLimit: 1, holdSeconds: 600 });
		await otherBuyerHolds(sku, 1);
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`));
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();

		await a.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(a.page).waitFor();
		await holdHeading(b.page).waitFor(POLL);
		await expect
			.poll(() => statusText(b.page), POLL)
			.toBe(
				"Your other tab reserved 1 unit: the hold shows here too, and you can pay it from either tab.",
			);
		expect(await b.page.getByRole("button", { name: "Reserve" }).count()).toBe(0);
		// The same hold: paid in B, it leaves A with its order.
		await b.page.getByRole("button", { name: "Pay $42.00" }).click();
		await b.page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		await expect.poll(() => statusText(a.page), POLL).toMatch(ORDER_SHOWN);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});

	it("keeps a limit refusal while the server's count, less the units the other tab released, still reaches the limit", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 10, perUserLimit: 3, holdSeconds: 600 });
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page);
		// The page stores its session in an effect after it shows Reserve: duplicate after that.
		await expect.poll(async () => (await tokenOf(a.page)) ?? "", POLL).not.toBe("");
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`, missesHoldNews));
		await b.page.getByRole("button", { name: "Reserve" }).waitFor();
		// The same buyer on another device bought 2; tab A holds 1: 3 units, the limit then.
		const token = await tokenOf(a.page);
		const bought = await api<Reservation>(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: 2 },
		});
		expect(bought.status, JSON.stringify(bought.body)).toBe(201);
		const paid = await api(e2e.server, "POST", "/api/checkout", {
			token,
			headers: { "idempotency-key": crypto.randomUUID() },
			body: { reservationId: bought.body.data?.reservationId, paymentMethod: "pm_card_visa" },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		await a.page.getByRole("button", { name: "Reserve" }).click();
		await holdHeading(a.page).waitFor();
		// The operator lowers the limit to 2: the session is past it.
		const lowered = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body: { perUserLimit: 2 },
		});
		expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
		await b.page.getByText("Up to 2 per buyer", { exact: false }).waitFor(POLL);

		await b.page.getByRole("button", { name: "Reserve" }).click();
		await expect
			.poll(() => alertText(b.page), POLL)
			.toBe(
				"Purchase limit reached: this session holds or bought 3 of this product, in this tab or another, and each buyer may hold or buy 2.",
			);
		// A releases its unit: 2 bought elsewhere still make the limit of 2.
		await a.page.getByRole("button", { name: "Release hold" }).click();
		await a.page.getByText("Hold released: the units are back in stock.").waitFor();
		await expect.poll(() => metric(b.page, "Held"), POLL).toBe("0");
		// A told the other tabs before it showed its words; let the message land and render. Had it
		// cleared the limit, the words would be gone now.
		await b.page.waitForTimeout(500);
		expect(await alertText(b.page)).toBe(
			"Purchase limit reached: each buyer may hold or buy 2 of this product.",
		);
		expect([...a.errors, ...b.errors].filter((e) => !/status of 403/.test(e))).toEqual([]);
	});

	it("shows the place one tab took in the queue in its duplicate, instead of Join", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 5,
			perUserLimit: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		const a = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(a.page, "Waiting room");
		const join = (page: Page) => page.getByRole("button", { name: "Join the queue" });
		await join(a.page).waitFor();
		const b = e2e.track(await duplicate(a.page, `Drop ${sku}`));
		await join(b.page).waitFor();

		await join(a.page).click();
		await a.page.getByText(/It is your turn: reserve within/).waitFor();
		await b.page.getByText(/It is your turn: reserve within/).waitFor(POLL);
		expect(await join(b.page).count()).toBe(0);
		expect([...a.errors, ...b.errors]).toEqual([]);
	});
});
