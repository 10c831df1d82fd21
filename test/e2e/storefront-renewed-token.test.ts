// Two tabs of one buyer when one renews the session (docs/decisions/166-a-renewed-sessions-old-token-ends.md):
// the renewal replaces the token, so the old one stops renewing at once and works only a minute
// more. The tab that renewed tells the session's other tabs the new token; a tab that missed it
// (opened from a copy taken before the renewal) asks on opening. Neither meets the human check,
// and both keep showing the hold. Sessions last SESSION_SECONDS here; the tab in view renews in
// their last half; the duplicate is in the background, where a page holding no place in line
// does not renew (docs/decisions/137-a-line-waited-in-a-background-tab.md).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { hide, watchForCheck } from "./pre-queue-support.ts";
import { createDrop, DESKTOP_WIDE, openStore, POLL } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile } from "./turnstile-stand-in.ts";

const SESSION_SECONDS = 20;
const HELD = "1 unit held for you";

type Stored = { sessionId?: string; token?: string };

const storedSession = async (page: Page): Promise<Stored> =>
	JSON.parse(
		(await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"))) ?? "{}",
	) as Stored;

/**
 * A new tab of `page`'s context (or `blank`, one opened there) that starts with `stored` (a copy
 * of a tab's sessionStorage).
 */
async function tabFrom(page: Page, stored: string, blank?: Page): Promise<Page> {
	const copy = blank ?? (await page.context().newPage());
	await copy.addInitScript((s) => {
		// Once: a reload keeps the tab's own storage, as a real tab does.
		if (sessionStorage.getItem("e2e.duplicated") !== null) return;
		for (const [k, v] of Object.entries(JSON.parse(s) as Record<string, string>))
			sessionStorage.setItem(k, v);
		sessionStorage.setItem("e2e.duplicated", "1");
	}, stored);
	await copy.goto(page.url());
	return copy;
}

describe("storefront: a renewal in one tab of a buyer's session", () => {
	const e2e = browserSuite({ server: { env: { SESSION_TTL_SECONDS: String(SESSION_SECONDS) } } });

	/**
	 * A buyer's tab holding a unit of a new drop (the stand-in answers every check by itself): the
	 * tab, its session as stored, and a copy of its sessionStorage taken before any renewal.
	 */
	async function holdInATab() {
		const sku = await createDrop(e2e.server, { totalStock: 2, perUserLimit: 1, holdSeconds: 600 });
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
				standInTurnstile(p.context(), { withoutClick: true, resetAnswers: true }),
			),
		);
		await page.getByRole("button", { name: "Reserve" }).waitFor(POLL);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: HELD }).waitFor(POLL);
		const first = await storedSession(page);
		const before = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
		return { page, errors, first, before };
	}

	it("the other tabs take the new token, keep the hold and never meet the check", async () => {
		const { page, errors, first, before } = await holdInATab();

		// A duplicate, in the background: it does not renew by itself.
		const duplicate = await tabFrom(page, before);
		await duplicate.getByRole("heading", { name: HELD }).waitFor(POLL);
		await hide(duplicate);
		await watchForCheck(duplicate);

		// The tab in view renews ahead of the session's end: a new token, the same session.
		await page.waitForFunction(
			(old) => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token !== old,
			first.token,
			{ timeout: SESSION_SECONDS * 1000 + 15_000, polling: 250 },
		);
		const renewed = await storedSession(page);
		expect(renewed.sessionId).toBe(first.sessionId);

		// The duplicate heard it and holds the new token.
		await duplicate.waitForFunction(
			(token) => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token === token,
			renewed.token,
			POLL,
		);
		// A tab opened from a copy taken before the renewal asks, and takes it too.
		const late = await tabFrom(page, before);
		await late.waitForFunction(
			(token) => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token === token,
			renewed.token,
			POLL,
		);
		await late.getByRole("heading", { name: HELD }).waitFor(POLL);
		expect(
			await duplicate.evaluate(() => (window as unknown as { sawCheck: boolean }).sawCheck),
		).toBe(false);
		expect(await late.locator("#verify-title").count()).toBe(0);

		// The replaced token renews nothing: a human check naming it is a new session.
		const again = await api<{ sessionId: string; renewed: boolean }>(
			e2e.server,
			"POST",
			"/api/sessions",
			{ body: { turnstileToken: e2e.server.debugToken, renewToken: first.token } },
		);
		expect(again.status).toBe(201);
		expect(again.body.data?.renewed).toBe(false);
		expect(errors).toEqual([]);
	});

	it("two tabs renewing at once: the one that comes second keeps the session, not a new one", async () => {
		const { page, errors, first, before } = await holdInATab();
		// Both tabs in view renew in the session's last half; the duplicate first, but its renewal
		// reaches the server only once the first tab's is done, so it names a token already replaced.
		const duplicate = await page.context().newPage();
		let sent = 0;
		await duplicate.route("**/api/sessions", async (route) => {
			if (route.request().method() !== "POST") return route.fallback();
			sent += 1;
			await page.waitForFunction(
				(old) => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token !== old,
				first.token,
				{ timeout: SESSION_SECONDS * 1000 + 15_000, polling: 100 },
			);
			return route.fallback();
		});
		// Its copy of the session ends 3 s sooner on its clock, so it is the first to renew.
		const earlier = JSON.parse(before) as Record<string, string>;
		const kept0 = JSON.parse(earlier["rg.buyer.session"] ?? "{}") as { endsAtMs: number };
		earlier["rg.buyer.session"] = JSON.stringify({ ...kept0, endsAtMs: kept0.endsAtMs - 3_000 });
		const copy = await tabFrom(page, JSON.stringify(earlier), duplicate);
		await copy.getByRole("heading", { name: HELD }).waitFor(POLL);
		await page.waitForFunction(
			(old) => JSON.parse(sessionStorage.getItem("rg.buyer.session") ?? "{}").token !== old,
			first.token,
			{ timeout: SESSION_SECONDS * 1000 + 15_000, polling: 250 },
		);
		const renewed = await storedSession(page);
		expect(renewed.sessionId).toBe(first.sessionId);
		// Past the duplicate's own renewal (refused as a renewal: a new session it did not take).
		await expect
			.poll(() => sent, { timeout: SESSION_SECONDS * 1000, interval: 250 })
			.toBeGreaterThan(0);
		await copy.waitForTimeout(2_500);
		const kept = await storedSession(copy);
		expect(kept).toMatchObject({ sessionId: first.sessionId, token: renewed.token });
		await copy.getByRole("heading", { name: HELD }).waitFor(POLL);
		expect(errors).toEqual([]);
	});
});
