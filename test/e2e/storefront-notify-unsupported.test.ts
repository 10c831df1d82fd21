// A notification the browser cannot show: Chrome on Android has `Notification` and grants its
// permission, but a page's `new Notification()` throws a TypeError there (it wants a service
// worker). The box is not offered where the page can find that out first, and a notification
// that fails at the turn is said when the page is shown (docs/storefront.md, "A turn in a
// background tab"; docs/decisions/152-a-notification-the-browser-cannot-show.md). The page is
// hidden as Chromium hides one (background-tab.ts).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { emulateBackgroundTabs, hidePage, showPage } from "./background-tab.ts";
import {
	createDrop,
	holdTheOnlyUnit,
	openStore,
	PHONE,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/**
 * The browser's Notification as a page on Chrome for Android sees it: the permission may be asked
 * and is granted, and every construction throws as Chrome's does there, whatever the permission.
 */
const ANDROID_NOTIFICATIONS = (permission: "default" | "granted") => `(() => {
	window.permissionPrompts = 0;
	window.constructed = 0;
	class AndroidNotification {
		constructor() {
			window.constructed += 1;
			throw new TypeError(
				"Failed to construct 'Notification': Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.",
			);
		}
	}
	AndroidNotification.permission = ${JSON.stringify(permission)};
	AndroidNotification.requestPermission = () => {
		window.permissionPrompts += 1;
		AndroidNotification.permission = "granted";
		return Promise.resolve("granted");
	};
	window.Notification = AndroidNotification;
})();`;
const prompts = (page: Page) =>
	page.evaluate(() => (window as unknown as { permissionPrompts: number }).permissionPrompts);
const NOTIFY_ME = "Notify me when it is my turn, if this tab is in the background";
const NO_PAGE_NOTIFICATIONS =
	"This browser shows no notifications from this page, so none is offered. When your turn comes while this tab is in the background, only the tab's title says so.";
const NOTIFICATION_MISSED =
	"Your turn came while this tab was in the background, but this browser did not show the notification you asked for: it shows none from this page. Only the tab's title said so.";
/** A waiting ticket with no estimate is read every 15 s ±25 % (queue-poll.ts). */
const READ_WAIT = { timeout: 45_000, interval: 250 };
const ROOM = { waitingRoom: { enabled: true, overbook: 0, admitSeconds: 60 } };

describe("storefront: a notification the browser cannot show", () => {
	const e2e = browserSuite();

	it("is not offered where the page can tell first, and the card says what comes instead", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 1, perUserLimit: 1, ...ROOM });
		await holdTheOnlyUnit(e2e.server, sku);
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, PHONE, async (p) => {
				await p.addInitScript(ANDROID_NOTIFICATIONS("default"));
			}),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		await page.getByText(NO_PAGE_NOTIFICATIONS).waitFor(POLL);
		expect(await page.getByRole("checkbox", { name: NOTIFY_ME }).count()).toBe(0);
		expect(await prompts(page)).toBe(0);
		// Kept for the tab: a reload does not offer it again.
		await page.reload();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		await page.getByText(NO_PAGE_NOTIFICATIONS).waitFor(POLL);
		expect(await page.getByRole("checkbox", { name: NOTIFY_ME }).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	it("granted before the page could tell, the failure at the turn is said when the page is shown", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 1, perUserLimit: 1, ...ROOM });
		const ahead = await holdTheOnlyUnit(e2e.server, sku);
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, PHONE, async (p) => {
				await emulateBackgroundTabs(p);
				await p.addInitScript(ANDROID_NOTIFICATIONS("granted"));
			}),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		// Granted already, a probe would show a notification where one can be shown: offered.
		const notifyMe = page.getByRole("checkbox", { name: NOTIFY_ME });
		await notifyMe.click();
		await expect.poll(() => notifyMe.isChecked(), POLL).toBe(true);

		await hidePage(page);
		const cancel = await api(e2e.server, "DELETE", `/api/reservations/${ahead.reservationId}`, {
			token: ahead.token,
		});
		expect(cancel.status).toBe(200);
		await expect
			.poll(() => page.title(), READ_WAIT)
			.toMatch(/^Your turn: \d:\d\d left to reserve — Revenue Guard$/);
		expect(
			await page.evaluate(() => (window as unknown as { constructed: number }).constructed),
		).toBe(1);

		// Back in view: the turn, and the words that the notification asked for did not come.
		await showPage(page);
		await page.getByRole("button", { name: "Reserve" }).waitFor(POLL);
		await page.getByText(NOTIFICATION_MISSED).waitFor(POLL);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);
		expect(errors).toEqual([]);
	});
});
