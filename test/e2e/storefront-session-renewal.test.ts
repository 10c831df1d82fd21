// A page left open past its session's lifetime, in a waiting room's pre-queue, renews the
// session ahead of its end and reserves at its turn without meeting the human check
// (docs/storefront.md, "The human check"; docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md).
// Sessions last SESSION_SECONDS here and the drop starts later than that; the Turnstile stand-in
// passes without a click, as Turnstile's managed mode mostly does for a person.

import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { RENEW_REFUSED_FLOOR_MS } from "../../src/web/storefront/session-renewal.ts";
import { api } from "../support/server.ts";
import { joinPreQueue, watchForCheck } from "./pre-queue-support.ts";
import { createDrop, DESKTOP_WIDE, openStore, POLL } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile, turnstileCalls } from "./turnstile-stand-in.ts";

const SESSION_SECONDS = 20;
/** The drop starts this long after the page opens: more than one session's lifetime. */
const START_AFTER_MS = 32_000;

describe("storefront: a session renewed ahead of its end", () => {
	const e2e = browserSuite({ server: { env: { SESSION_TTL_SECONDS: String(SESSION_SECONDS) } } });

	it("a page open past the session's TTL reserves at the start without showing the check", async () => {
		const startsAtMs = Date.now() + START_AFTER_MS;
		const { sku, page, errors, joined } = await joinPreQueue(e2e, startsAtMs);
		const { sessionId } = joined;
		// From here on, the human check's card must never show.
		await watchForCheck(page);

		// Past the session's first lifetime and the start: the turn comes and Reserve takes a unit.
		const wait = { timeout: START_AFTER_MS + 45_000, interval: 250 };
		await page.getByRole("button", { name: "Reserve" }).waitFor(wait);
		expect(Date.now()).toBeGreaterThan(startsAtMs);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);

		expect(await page.evaluate(() => (window as unknown as { sawCheck: boolean }).sawCheck)).toBe(
			false,
		);
		// Renewed (the check ran again with the session's token): the same session, one more render.
		expect((await turnstileCalls(page)).renders).toBeGreaterThanOrEqual(2);
		const now = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
		const kept = JSON.parse(now ?? "{}") as { sessionId?: string; token?: string };
		expect(kept.sessionId).toBe(sessionId);
		const ticket = await api<Ticket>(e2e.server, "GET", `/api/products/${sku}/queue`, {
			token: kept.token,
		});
		expect(ticket.body.data?.state).toBe("admitted");
		expect(errors).toEqual([]);
	});

	it("a renewal the server refuses is offered again no sooner than the floor, not in a loop", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 2, perUserLimit: 1 });
		// The widget answers by itself on every render and reset, as Turnstile's managed mode does.
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
				standInTurnstile(p.context(), { withoutClick: true, resetAnswers: true }),
			),
		);
		await page.getByRole("button", { name: "Reserve" }).waitFor(POLL);
		const stored = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
		const endsAtMs = (JSON.parse(stored ?? "{}") as { endsAtMs?: number }).endsAtMs ?? 0;
		// From here siteverify refuses every token: 403 turnstile_failed, no Retry-After.
		let refused = 0;
		await page.route("**/api/sessions", (route) => {
			if (route.request().method() !== "POST") return route.fallback();
			refused += 1;
			return route.fulfill({
				status: 403,
				contentType: "application/json",
				body: JSON.stringify({
					error: { code: "turnstile_failed", message: "The bot check failed." },
				}),
			});
		});
		// The renewal's window (the last half of this short session) runs out, in view.
		await page.getByRole("heading", { name: "Keeping your session" }).waitFor({
			timeout: SESSION_SECONDS * 1000 + 15_000,
		});
		await page.waitForFunction((end) => Date.now() > end - 1_000, endsAtMs, {
			timeout: SESSION_SECONDS * 1000 + 15_000,
			polling: 250,
		});
		// One try: the floor between refused renewals (30 s) is longer than the whole window.
		expect(refused).toBe(1);
		expect(errors).toEqual([]);
	});

	it("a refused renewal's retry, pending when the session ends, leaves the check that comes back alone", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 2, perUserLimit: 1 });
		// The widget answers by itself once rendered (the first check and the renewal's), never on a reset.
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
				standInTurnstile(p.context(), { withoutClick: true }),
			),
		);
		await page.getByRole("button", { name: "Reserve" }).waitFor(POLL);
		// From here siteverify refuses every token: 403 turnstile_failed, no Retry-After.
		let refusedAtMs: number | null = null;
		await page.route("**/api/sessions", (route) => {
			if (route.request().method() !== "POST") return route.fallback();
			refusedAtMs ??= Date.now();
			return route.fulfill({
				status: 403,
				contentType: "application/json",
				body: JSON.stringify({
					error: { code: "turnstile_failed", message: "The bot check failed." },
				}),
			});
		});
		await page.getByRole("heading", { name: "Keeping your session" }).waitFor({
			timeout: SESSION_SECONDS * 1000 + 15_000,
		});
		await expect.poll(() => refusedAtMs, { timeout: 15_000 }).not.toBeNull();
		// The check that comes back at the end waits for the buyer's click, as a person's would.
		await page.evaluate(() => {
			(window as unknown as { turnstileWithoutClick: boolean }).turnstileWithoutClick = false;
		});
		await page.getByRole("heading", { name: "Verify you are human" }).waitFor({
			timeout: SESSION_SECONDS * 1000 + 15_000,
		});
		const before = await turnstileCalls(page);
		// Past the refused renewal's retry (RENEW_REFUSED_FLOOR_MS after it): the buyer's widget is
		// not reset under their hand (a reset starts Turnstile's challenge again).
		const pastRetryMs = (refusedAtMs ?? 0) + RENEW_REFUSED_FLOOR_MS + 3_000;
		await page.waitForFunction((at) => Date.now() > at, pastRetryMs, {
			timeout: RENEW_REFUSED_FLOOR_MS + 15_000,
			polling: 250,
		});
		expect((await turnstileCalls(page)).resets).toBe(before.resets);
		expect(await page.getByRole("heading", { name: "Verify you are human" }).isVisible()).toBe(
			true,
		);
		expect(errors).toEqual([]);
	});
});
