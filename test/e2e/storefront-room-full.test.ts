// A full waiting room in Chromium: the join's 503 `unavailable` with `Retry-After: 30`
// (docs/waiting-room.md, MAX_TICKETS) is waited out. The Join button is disabled and says when
// the page joins again, no join is sent before the wait is over, and exactly one after it
// (src/web/storefront/join-retry.ts). After the unread share's refusal (decision 142), the page
// reads the product with the session's token before it joins again (decision 147). The page's timers run on Playwright's clock, paused, so
// "30 s" is thirty simulated seconds, not a wall-clock figure.

import type { Page, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { JOIN_RETRY_MAX_TRIES } from "../../src/web/storefront/join-retry.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { pauseSoon } from "./browser.ts";
import { createDrop, openStore, PHONE, POLL, verify } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** What the server answers a join past the room's ticket limit (K12-3 of the twelfth review). */
const ROOM_FULL = {
	status: 503,
	contentType: "application/json",
	headers: { "retry-after": "30" },
	json: {
		error: { code: "unavailable", message: "The waiting room is full; retry shortly." },
	},
};
/** What the room answers an unread session's join while unread tickets hold their share (decision 142). */
const UNREAD_FULL = (sku: string) => ({
	...ROOM_FULL,
	json: {
		error: {
			code: "unavailable",
			message: `The places left in the waiting room of ${sku} are kept for visitors who have viewed the product: view it (reload the product's page), then join again.`,
		},
	},
});
/** The page's spread on top of the server's wait (JOIN_RETRY_SPREAD 0.2 of 30 s), and a margin. */
const LATEST_RETRY_MS = 30_000 * 1.2 + 2_000;

/** Moves the page's paused clock by `ms`, then lets its fetches and renders settle. */
function stepper(page: Page): (ms: number) => Promise<void> {
	return async (ms) => {
		await page.clock.runFor(ms);
		await page.waitForTimeout(20);
	};
}

describe("storefront with a full waiting room", () => {
	const e2e = browserSuite();

	it("waits out the join's Retry-After, says when it joins again, then joins once", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		let joins = 0;
		const buyer = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, PHONE, async (page) => {
				await page.clock.install();
				await page.route(`**/api/products/${sku}/queue`, (route: Route) => {
					if (route.request().method() !== "POST") return route.fallback();
					joins += 1;
					return joins === 1 ? route.fulfill(ROOM_FULL) : route.fallback();
				});
			}),
		);
		const { page, errors } = buyer;
		await verify(page, "Waiting room");

		// From here the page's clock moves only when the test moves it.
		await pauseSoon(page);
		const step = stepper(page);
		await page.getByRole("button", { name: "Join the queue" }).click();
		const waiting = page.getByRole("button", { name: /^Joining again in \d+ s$/ });
		await waiting.waitFor(POLL);
		expect(await waiting.isDisabled()).toBe(true);
		expect(
			await page.getByRole("status").filter({ hasText: "The waiting room is full" }).count(),
		).toBe(1);

		// Twenty-nine simulated seconds: the button counts down and nothing is sent.
		for (let s = 0; s < 29; s++) await step(1_000);
		expect(joins).toBe(1);
		expect(await waiting.isDisabled()).toBe(true);
		const label = (await waiting.textContent()) ?? "";
		expect(Number(/(\d+) s$/.exec(label)?.[1])).toBeLessThanOrEqual(
			Math.ceil(LATEST_RETRY_MS / 1000) - 29,
		);

		// The wait is over: one join, which the room now takes.
		for (let ms = 29_000; ms < LATEST_RETRY_MS && joins < 2; ms += 500) await step(500);
		expect(joins).toBe(2);
		await page.getByText(/It is your turn: reserve within/).waitFor(POLL);
		// And no more: the ticket is the answer.
		for (let s = 0; s < 10; s++) await step(1_000);
		expect(joins).toBe(2);
		// axe needs the page's timers: checked once the clock flows again.
		await page.clock.resume();
		await expectNoSeriousA11yViolations(page, "storefront: joined after a full room");
		// The one 503 is the browser's own line for the refused join; nothing else.
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
		expect(errors).toHaveLength(1);
	});

	it("stops joining by itself after JOIN_RETRY_MAX_TRIES of a room that stays full, says why, and offers Try again", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		let joins = 0;
		let full = true;
		const buyer = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, PHONE, async (page) => {
				await page.clock.install();
				await page.route(`**/api/products/${sku}/queue`, (route: Route) => {
					if (route.request().method() !== "POST") return route.fallback();
					joins += 1;
					return full ? route.fulfill(ROOM_FULL) : route.fallback();
				});
			}),
		);
		const { page, errors } = buyer;
		await verify(page, "Waiting room");
		await pauseSoon(page);
		const step = stepper(page);
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByRole("button", { name: /^Joining again in \d+ s$/ }).waitFor(POLL);

		// The buyer's click, then JOIN_RETRY_MAX_TRIES joins by the page, each after its wait.
		const tryAgain = page.getByRole("button", { name: "Try again" });
		const bound = (JOIN_RETRY_MAX_TRIES + 1) * LATEST_RETRY_MS;
		for (let ms = 0; ms < bound && (await tryAgain.count()) === 0; ms += 1_000) await step(1_000);
		expect(joins).toBe(1 + JOIN_RETRY_MAX_TRIES);
		expect(await tryAgain.isEnabled()).toBe(true);
		await page
			.getByRole("status")
			.filter({ hasText: /stopped joining by itself/ })
			.waitFor(POLL);

		// Ten simulated minutes: nothing more is sent by itself.
		for (let s = 0; s < 60; s++) await step(10_000);
		expect(joins).toBe(1 + JOIN_RETRY_MAX_TRIES);

		// The buyer's click joins at once; the room has room now.
		full = false;
		await tryAgain.click();
		await step(100);
		await page.getByText(/It is your turn: reserve within/).waitFor(POLL);
		expect(joins).toBe(2 + JOIN_RETRY_MAX_TRIES);
		await page.clock.resume();
		await expectNoSeriousA11yViolations(page, "storefront: stopped joining a full room");
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("reads the product, with the session's token, before it joins again after the unread share's refusal, and is taken", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// The room as decision 142 has it while unread tickets hold their share: a join is refused
		// `unread_full` (its words, the same 503) until the session reads the product with its token.
		const events: string[] = [];
		let read = false;
		const buyer = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, PHONE, async (page) => {
				await page.clock.install();
				await page.route(`**/api/products/${sku}`, (route: Route) => {
					if (route.request().headers().authorization?.startsWith("Bearer ")) {
						read = true;
						events.push("read");
					}
					return route.fallback();
				});
				await page.route(`**/api/products/${sku}/queue`, (route: Route) => {
					if (route.request().method() !== "POST") return route.fallback();
					events.push(read ? "join" : "join refused");
					return read ? route.fallback() : route.fulfill(UNREAD_FULL(sku));
				});
			}),
		);
		const { page, errors } = buyer;
		await verify(page, "Waiting room");
		await pauseSoon(page);
		const step = stepper(page);
		// The session was made after the page read the product: its first join is unread.
		read = false;
		events.length = 0;
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByRole("button", { name: /^Joining again in \d+ s$/ }).waitFor(POLL);
		expect(events).toEqual(["join refused"]);

		// The wait is over: the page reads the product first, then joins, and is taken.
		for (let ms = 0; ms < LATEST_RETRY_MS && !events.includes("join"); ms += 500) await step(500);
		expect(events).toEqual(["join refused", "read", "join"]);
		await page.getByText(/It is your turn: reserve within/).waitFor(POLL);
		await page.clock.resume();
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});
});
