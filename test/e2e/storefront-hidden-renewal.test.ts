// A line waited in a background tab: the page holds a ticket in the pre-queue and is out of view
// past its session's lifetime and the start; it renews the session there, ahead of its end, so the
// person who comes back at their turn reserves without meeting the human check
// (docs/storefront.md, "The human check"; docs/decisions/137-a-line-waited-in-a-background-tab.md).
// The page is hidden by the Page Visibility API as the page reads it (document.visibilityState and
// a visibilitychange event): headless Chromium keeps it running, which is what a background tab
// does, only slower. Sessions last SESSION_SECONDS here; the Turnstile stand-in passes without a
// click, as Turnstile's managed mode mostly does for a person. A widget that asks for a click while
// the page is hidden is said in the tab's title
// (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).

import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { hide, joinPreQueue, show, watchForCheck } from "./pre-queue-support.ts";
import { POLL } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";
import { turnstileCalls } from "./turnstile-stand-in.ts";

const SESSION_SECONDS = 20;
/** The drop starts this long after the page opens: more than one session's lifetime. */
const START_AFTER_MS = 32_000;

describe("storefront: a line waited in a background tab", () => {
	const e2e = browserSuite({ server: { env: { SESSION_TTL_SECONDS: String(SESSION_SECONDS) } } });

	it("a hidden page holding a ticket renews its session, and the buyer reserves at the turn without the check", async () => {
		const startsAtMs = Date.now() + START_AFTER_MS;
		const { sku, page, errors, joined } = await joinPreQueue(e2e, startsAtMs);

		// The buyer goes to another tab. From here on the human check's card must never show.
		await watchForCheck(page);
		await hide(page);

		// Past the session's first lifetime, still out of view: renewed there, the same session.
		await page.waitForFunction(
			(end) => {
				const s = JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}") as {
					endsAtMs?: number;
				};
				return Date.now() > end && (s.endsAtMs ?? 0) > Date.now();
			},
			joined.endsAtMs ?? 0,
			{ timeout: SESSION_SECONDS * 1000 + 15_000, polling: 250 },
		);
		expect(await page.evaluate(() => document.visibilityState)).toBe("hidden");
		const sawCheck = () =>
			page.evaluate(() => (window as unknown as { sawCheck: boolean }).sawCheck);
		expect(await sawCheck()).toBe(false);

		// The turn comes while the page is out of view; the buyer comes back to it.
		const wait = { timeout: START_AFTER_MS + 45_000, interval: 250 };
		await page.getByRole("button", { name: "Reserve" }).waitFor(wait);
		expect(Date.now()).toBeGreaterThan(startsAtMs);
		await show(page);
		expect(await page.evaluate(() => document.visibilityState)).toBe("visible");
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);

		expect(await sawCheck()).toBe(false);
		expect((await turnstileCalls(page)).renders).toBeGreaterThanOrEqual(2);
		const now = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
		const kept = JSON.parse(now ?? "{}") as { sessionId?: string; token?: string };
		expect(kept.sessionId).toBe(joined.sessionId);
		const ticket = await api<Ticket>(e2e.server, "GET", `/api/products/${sku}/queue`, {
			token: kept.token,
		});
		expect(ticket.body.data?.state).toBe("admitted");
		expect(errors).toEqual([]);
	});

	it("a widget that asks for a click in the hidden page waits for it: the buyer back in view clicks and keeps the session", async () => {
		const { page, errors, joined } = await joinPreQueue(e2e, Date.now() + 10 * 60_000);
		// From here the widget asks for a click (managed mode when it wants more than the signals).
		await page.evaluate(() => {
			(window as unknown as { turnstileWithoutClick: boolean }).turnstileWithoutClick = false;
		});
		await hide(page);
		// The renewal starts out of view and waits there with its widget.
		const widget = page.getByRole("button", { name: "Verify (stand-in widget)" });
		await page
			.getByRole("heading", { name: "Keeping your session" })
			.waitFor({ timeout: SESSION_SECONDS * 1000 + 15_000 });
		// The tab's title says it waits for a click (decision 143), and is the store's once shown.
		await expect.poll(() => page.title(), POLL).toBe("Click to keep your session — Revenue Guard");
		await show(page);
		await expect.poll(() => page.title(), POLL).toBe("Revenue Guard — Store");
		await widget.click();
		await page.getByRole("heading", { name: "Keeping your session" }).waitFor({
			state: "detached",
			...POLL,
		});
		// The card goes in the render that takes the renewed session; sessionStorage is written by
		// that render's effect (stored.ts useStored), a frame later: the stored copy is polled.
		const stored = () =>
			page.evaluate(
				() =>
					JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}") as {
						sessionId?: string;
						endsAtMs?: number;
					},
			);
		await expect
			.poll(async () => (await stored()).endsAtMs ?? 0, POLL)
			.toBeGreaterThan(joined.endsAtMs ?? 0);
		expect((await stored()).sessionId).toBe(joined.sessionId);
		expect(await page.getByRole("heading", { name: "Verify you are human" }).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	it("a session that ends in the hidden page, its check unclicked, says so in the title; back in view, the check brings the place back", async () => {
		const { page, errors, joined } = await joinPreQueue(e2e, Date.now() + 10 * 60_000);
		await page.evaluate(() => {
			(window as unknown as { turnstileWithoutClick: boolean }).turnstileWithoutClick = false;
		});
		await hide(page);
		await expect
			.poll(() => page.title(), { timeout: SESSION_SECONDS * 1000 + 15_000, interval: 250 })
			.toBe("Click to keep your session — Revenue Guard");
		// Nobody clicks: the session ends out of view, and the page reads no ticket any more. The
		// title says the check is back (decision 143), not the page's own title.
		await expect
			.poll(() => page.title(), { timeout: SESSION_SECONDS * 1000 + 15_000, interval: 250 })
			.toBe("Your session ended: verify again — Revenue Guard");
		expect(await page.evaluate(() => Date.now())).toBeGreaterThan(joined.endsAtMs ?? 0);

		await show(page);
		await expect.poll(() => page.title(), POLL).toBe("Revenue Guard — Store");
		// The check, within the session's grace, renews the same session: its place is read again.
		await page.getByRole("heading", { name: "Verify you are human" }).waitFor(POLL);
		await page.getByRole("button", { name: "Verify (stand-in widget)" }).click();
		await page
			.getByText(/pre-queue/)
			.first()
			.waitFor(POLL);
		const now = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
		expect((JSON.parse(now ?? "{}") as { sessionId?: string }).sessionId).toBe(joined.sessionId);
		expect(errors).toEqual([]);
	});
});
