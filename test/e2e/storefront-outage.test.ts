// The storefront when something behind it fails, in Chromium: the server stops
// mid-session (the stock is marked as possibly stale, with since when, and the
// hold's timer says what it still means; both clear when the server is back),
// and a payment provider too slow to confirm a charge (the page says money may
// have moved and will be refunded — never "nothing was charged"). Answers that are
// lost or refused once: the config read and the human check tried again without a reload
// (docs/decisions/059-storefront-retries.md). A Reserve whose answer was lost:
// test/e2e/storefront-lost-reserve.test.ts. A hold that ends elsewhere (a Release whose
// answer was lost, another tab, an operator's reset): test/e2e/storefront-hold-ended.test.ts.

import { describe, expect, it } from "vitest";
import { api, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { failFirst, metric, openContext, screenshot } from "./browser.ts";
import {
	alertText,
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	PHONE,
	POLL,
	statusText,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile, turnstileCalls } from "./turnstile-stand-in.ts";

/** The live feed's reconnect backoff tops out at 10 s (src/web/api/live-protocol.ts). */

const RECONNECT_POLL = { timeout: 30_000, interval: 200 };
/** A hold that ends during a test's outage: long enough to be seen held on a busy machine first. */
const SHORT_HOLD_SECONDS = 10;
/** A provider slower than the checkout's whole payment timeout: the outcome stays unknown. */
const SLOW_PROVIDER = { PAYMENT_SIM_LATENCY_MS: "3000", PAYMENT_TIMEOUT_MS: "1000" };

describe("storefront during failures", () => {
	const e2e = browserSuite({ others: [{ env: SLOW_PROVIDER }] });
	const slow = () => e2e.others[0] as TestServer;

	/** A new drop on `server`, open in a wide page with the human check passed, one unit held. */
	async function holdingPage(server: TestServer, fields: Record<string, unknown> = {}) {
		const sku = await createDrop(server, fields);
		const { page, errors } = await openStore(e2e.browser, server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		return { sku, page, errors };
	}

	it("marks the stock as possibly stale while the server is down, explains the hold timer, and recovers", async () => {
		const sku = await createDrop(e2e.server, { holdSeconds: 600 });
		const buyer = await openStore(e2e.browser, e2e.server, sku, PHONE);
		const { page } = buyer;
		e2e.track(page);
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await expect.poll(() => feedText(page), POLL).toMatch(/^Live: /);
		// The hold has come back on the feed before the server goes away.
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");

		await e2e.server.stop();
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

		e2e.server = await e2e.server.restart();
		await expect.poll(() => feedText(page), RECONNECT_POLL).toMatch(/^Live: /);
		expect(await note.count()).toBe(0);
		// The hold survived the outage on the server; the buyer pays it.
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await expect.poll(() => metric(page, "Sold"), POLL).toBe("1");
		await expectNoSeriousA11yViolations(page, "phone: back online, paid");
	});

	it("confirms a hold that ended while the server was down once the server answers again", async () => {
		// Long enough to reserve and see it held; short enough to end while the server is down.
		const { page, errors } = await holdingPage(e2e.server, { holdSeconds: SHORT_HOLD_SECONDS });
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");

		// A power cut: the hold's deadline passes with nobody to ask.
		await e2e.server.crash();
		await expect
			.poll(() => alertText(page), { timeout: (SHORT_HOLD_SECONDS + 15) * 1000, interval: 200 })
			.toMatch(/\(This page could not reach the store to confirm\.\)$/);

		e2e.server = await e2e.server.restart();
		await expect.poll(() => feedText(page), RECONNECT_POLL).toMatch(/^Live: /);
		// The page read the hold once the store answered: the server's word replaces the guess.
		await expect
			.poll(() => alertText(page), POLL)
			.toBe(
				"Your hold expired before payment, so the units went back to stock. Reserve again if any are left.",
			);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(await metric(page, "Held")).toBe("0");
		expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e))).toEqual([]);
	});

	it("says a busy store could not confirm a hold's end, and confirms it once reads are answered again", async () => {
		const { sku, page, errors } = await holdingPage(e2e.server, {
			holdSeconds: SHORT_HOLD_SECONDS,
		});
		// The store answers every read of the hold with the read limiter's 429 while its end passes.
		let refused = 0;
		await page.route("**/api/reservations/*", (route) => {
			if (route.request().method() !== "GET") return route.fallback();
			refused += 1;
			return route.fulfill({
				status: 429,
				headers: { "content-type": "application/json", "retry-after": "1" },
				body: JSON.stringify({
					error: { code: "rate_limited", message: "Too many requests." },
					meta: { requestId: "stand-in" },
				}),
			});
		});
		await expect
			.poll(() => alertText(page), { timeout: (SHORT_HOLD_SECONDS + 15) * 1000, interval: 200 })
			.toMatch(/\(The store was busy and could not confirm it yet\.\)$/);
		expect(refused).toBeGreaterThan(0);

		// Reads are answered again; a change of stock (another buyer's hold) is newer than the refusal.
		await page.unroute("**/api/reservations/*");
		const held = await api(e2e.server, "POST", "/api/reservations", {
			token: await newBuyer(e2e.server),
			body: { sku, quantity: 1 },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		await expect
			.poll(() => alertText(page), POLL)
			.toBe(
				"Your hold expired before payment, so the units went back to stock. Reserve again if any are left.",
			);
		expect(errors.filter((e) => !/429|Too Many Requests/.test(e))).toEqual([]);
	});

	it("replaces 'Could not reach the server' after a Pay in an outage once the server answers again", async () => {
		const { page, errors } = await holdingPage(e2e.server, { holdSeconds: 600 });
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");

		await e2e.server.stop();
		await expect.poll(() => feedText(page), POLL).toMatch(/^Stock may be stale/);
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		expect(await alertText(page)).toMatch(/Paying again with the same method is safe/);

		e2e.server = await e2e.server.restart();
		await expect.poll(() => feedText(page), RECONNECT_POLL).toMatch(/^Live: /);
		// The page asked where the hold stands: not paid, still held; the stale sentence is gone.
		await expect
			.poll(() => statusText(page), POLL)
			.toBe(
				"The store answers again: this hold is still yours and has not been paid. Paying again with the same method is safe: you will not be charged twice.",
			);
		expect(await alertText(page)).toBe("");
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e))).toEqual([]);
	});

	it("shows the order of a payment whose answer was lost, once the feed shows the sale", async () => {
		const { page, errors } = await holdingPage(e2e.server, { holdSeconds: 600 });
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");
		// The payment reaches the server and succeeds; its answer is lost on the way back, and
		// only after the feed has brought the sale: the page learns of the loss last.
		await page.route("**/api/checkout", async (route) => {
			await route.fetch();
			await expect.poll(() => metric(page, "Sold"), POLL).toBe("1");
			return route.abort("internetdisconnected");
		});
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		// The sale on the feed is newer than the request: the page asks where the hold stands.
		await expect
			.poll(() => statusText(page), POLL)
			.toMatch(/^Your payment went through: order [0-9A-F]{4}-[0-9A-F]{4} is confirmed\.$/);
		expect(await alertText(page)).toBe("");
		await page.getByRole("heading", { name: /^Order [0-9A-F]{4}-[0-9A-F]{4}$/ }).waitFor();
		expect(await page.getByRole("heading", { name: "1 unit held for you" }).count()).toBe(0);
		expect(await metric(page, "Sold")).toBe("1");
		expect(errors).toEqual([]);
	});

	it("says a lost payment released the hold, and that any amount taken will be refunded, once the feed shows it", async () => {
		const { page, errors } = await holdingPage(slow(), { holdSeconds: 600 });
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");
		// The payment reaches the server, whose provider is too slow to confirm it; the page
		// never hears back.
		await page.route("**/api/checkout", async (route) => {
			await route.fetch();
			return route.abort("internetdisconnected");
		});
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		// The hold was released (units back on the feed) while the request was out; the page
		// asks and says so, without claiming nothing was charged.
		await expect
			.poll(() => alertText(page), POLL)
			.toBe(
				"This hold was released: its payment failed or was not confirmed in time, so its units went back to stock. Any amount taken will be refunded. Reserve again if any are left.",
			);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(await metric(page, "Available")).toBe("3");
		expect(errors).toEqual([]);
	});

	it("says a lost payment's hold is gone when its read is 404 after an operator's reset", async () => {
		const { sku, page, errors } = await holdingPage(e2e.server, { holdSeconds: 600 });
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");
		// The payment never reaches the server.
		await page.route("**/api/checkout", (route) => route.abort("internetdisconnected"));
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		// The operator resets the sale: the unpaid hold is deleted, and the feed's Held 0 is newer
		// than the payment's request, so the page reads the hold: 404.
		const reset = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			body: {},
		});
		expect(reset.status).toBe(200);
		await expect
			.poll(() => alertText(page), POLL)
			.toBe(
				"This hold is no longer held: the store no longer has it (the sale may have been reset), so its units are not yours any more. Any amount taken will be refunded. Reserve again if any are left.",
			);
		expect(await page.getByRole("heading", { name: "1 unit held for you" }).count()).toBe(0);
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		expect(await metric(page, "Held")).toBe("0");
		expect(errors).toEqual([]);
	});

	it("retries a failed config read by itself, so the human check appears without a reload", async () => {
		const sku = await createDrop(e2e.server);
		// The first two reads fail, as the Worker answers when it is busy.
		const reads = failFirst(2);
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, PHONE, async (p) => {
			await p.route("**/api/config", reads.handle);
		});
		e2e.track(page);
		// Meanwhile the buyer is told why the check is not there yet.
		await page.getByText(/^Could not load the human check: .*Trying again by itself…$/).waitFor();
		await verify(page);
		expect(reads.seen()).toBe(3);
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("offers the human check again after the session could not be made", async () => {
		const sku = await createDrop(e2e.server);
		// The first session fails as when siteverify cannot be reached (503, Retry-After).
		const posts = failFirst(1);
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, PHONE, async (p) => {
			await p.route("**/api/sessions", posts.handle);
		});
		e2e.track(page);
		const human = page.getByRole("checkbox", { name: "I am human" });
		await human.check();
		await expect.poll(() => alertText(page), POLL).toMatch(/^The service is busy\./);
		// Once the Retry-After has passed the check is offered again, unticked.
		await expect.poll(() => human.isChecked(), POLL).toBe(false);
		expect(await human.isEnabled()).toBe(true);
		await verify(page);
		expect(posts.seen()).toBe(2);
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("resets the real Turnstile widget after its token was refused, for a new token", async () => {
		const sku = await createDrop(e2e.server);
		const context = await openContext(e2e.browser, e2e.server.url, PHONE);
		await standInTurnstile(context);
		const posts = failFirst(1, {
			status: 403,
			json: { error: { code: "turnstile_failed", message: "The human check did not pass." } },
		});
		await context.route("**/api/sessions", posts.handle);
		const page = await context.newPage();
		e2e.track(page);
		await page.goto(`/?sku=${sku}`);
		await page.getByRole("button", { name: "Verify (stand-in widget)" }).click();
		await expect.poll(() => turnstileCalls(page), POLL).toMatchObject({ renders: 1, resets: 1 });
		await page.getByRole("button", { name: "Verify (stand-in widget)" }).click();
		await page.getByRole("heading", { name: "Reserve" }).waitFor();
		expect(posts.seen()).toBe(2);
	});

	it("says a payment not confirmed in time may have taken money, which will be refunded", async () => {
		const sku = await createDrop(slow());
		const { page, errors } = await openStore(e2e.browser, slow(), sku, DESKTOP_WIDE);
		e2e.track(page);
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
