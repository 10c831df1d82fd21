// A turn that comes while the page is in the background: the tab's title says it is the buyer's
// turn and the time left, and is the store's own again once the page is shown; the ticket's reads
// while hidden are not timers Chrome throttles to one wake-up a minute, so the turn is seen within
// a poll, not a minute late; a person who asked for it on the waiting card gets a notification
// (docs/storefront.md, "A turn in a background tab";
// docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md). The page is hidden
// as Chromium hides one (background-tab.ts): headless Chromium keeps pages visible.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import {
	emulateBackgroundTabs,
	hidePage,
	showPage,
	THROTTLED_CHAIN_LEVEL,
	ticketReads,
	titleSets,
} from "./background-tab.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	holdTheOnlyUnit,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const STORE_TITLE = "Revenue Guard — Store";

/**
 * The browser's Notification as a desktop page sees it, recording: the prompt grants, each
 * notification shown is kept (headless Chromium shows none a test could read). One made without
 * the permission is not shown, as in a browser (it gets an `error` event): the page's probe
 * (page-notifications.ts) makes one before the permission is asked.
 */
const NOTIFICATIONS = `(() => {
	window.permissionPrompts = 0;
	window.notifications = [];
	class Recorded {
		constructor(title, options) {
			this.index = -1;
			if (Recorded.permission !== "granted") return;
			window.notifications.push({ title, body: options && options.body, closed: false });
			this.index = window.notifications.length - 1;
		}
		close() { if (this.index >= 0) window.notifications[this.index].closed = true; }
	}
	Recorded.permission = "default";
	Recorded.requestPermission = () => {
		window.permissionPrompts += 1;
		Recorded.permission = "granted";
		return Promise.resolve("granted");
	};
	window.Notification = Recorded;
})();`;
interface Made {
	title: string;
	body: string;
	closed: boolean;
}
const recorded = (page: Page) =>
	page.evaluate(() => {
		const w = window as unknown as { permissionPrompts: number; notifications: Made[] };
		return { prompts: w.permissionPrompts, made: w.notifications };
	});
/** A waiting ticket with no estimate is read every 15 s ±25 % (queue-poll.ts). */
const READ_WAIT = { timeout: 45_000, interval: 250 };

describe("storefront: a turn that comes while the tab is in the background", () => {
	const e2e = browserSuite();

	it("the hidden tab's title says the turn and the time left, its reads stay unthrottled, the notification asked for comes, and shown it is the store's title again", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			perUserLimit: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 60 },
		});
		const ahead = await holdTheOnlyUnit(e2e.server, sku);
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, async (p) => {
				await emulateBackgroundTabs(p);
				await p.addInitScript(NOTIFICATIONS);
			}),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		expect(await page.title()).toBe(STORE_TITLE);
		// No permission asked on load or at the join: only the person's own click asks.
		expect((await recorded(page)).prompts).toBe(0);
		const notifyMe = page.getByRole("checkbox", {
			name: "Notify me when it is my turn, if this tab is in the background",
		});
		await notifyMe.click();
		await expect.poll(() => notifyMe.isChecked(), POLL).toBe(true);
		expect((await recorded(page)).prompts).toBe(1);

		// The buyer goes to another tab and waits there: the page goes on reading its ticket.
		await hidePage(page);
		expect(await page.title()).toBe(STORE_TITLE);
		const hiddenReads = async () => (await ticketReads(page)).filter((r) => r.hidden);
		// Two answered, not only sent: a read still on its way could be decided after the cancel
		// below and see the turn itself, so the turn would come with two reads, not three.
		await expect
			.poll(async () => (await hiddenReads()).filter((r) => r.answered).length, READ_WAIT)
			.toBeGreaterThan(1);

		// The unit ahead comes back: this buyer is admitted while the page is out of view.
		const cancel = await api(e2e.server, "DELETE", `/api/reservations/${ahead.reservationId}`, {
			token: ahead.token,
		});
		expect(cancel.status).toBe(200);
		const turnTitle = /^Your turn: (\d):(\d\d) left to reserve — Revenue Guard$/;
		await expect.poll(() => page.title(), READ_WAIT).toMatch(turnTitle);
		const first = await page.title();
		const [, m, s] = turnTitle.exec(first) ?? [];
		expect(Number(m) * 60 + Number(s)).toBeLessThanOrEqual(60);
		// One notification, since the person asked for it.
		expect((await recorded(page)).made).toMatchObject([
			{
				title: "Your turn to reserve",
				body: expect.stringMatching(/^You have \d+ seconds to reserve\./),
			},
		]);
		// The time left moves while the page is out of view.
		await expect.poll(() => page.title(), POLL).not.toBe(first);
		expect(await page.title()).toMatch(turnTitle);

		// Every read sent while hidden came from a task Chrome would still wake within a second:
		// none from a timer chain of THROTTLED_CHAIN_LEVEL or deeper (one wake-up a minute once the
		// page has been hidden five minutes: a 60-s turn could be over before it was seen).
		const reads = await hiddenReads();
		expect(reads.length).toBeGreaterThanOrEqual(3);
		for (const read of reads)
			expect(read.level, JSON.stringify(reads)).toBeLessThan(THROTTLED_CHAIN_LEVEL);

		// The time left moved by itself, from tasks Chrome would wake within a second too (the
		// page's clock is an interval, a chain Chrome wakes once a minute after five minutes hidden).
		const sets = (await titleSets(page)).filter((t) => t.hidden && turnTitle.test(t.title));
		expect(new Set(sets.map((t) => t.title)).size).toBeGreaterThanOrEqual(2);
		for (const set of sets)
			expect(set.level, JSON.stringify(sets)).toBeLessThan(THROTTLED_CHAIN_LEVEL);

		// Back in view: the store's title, and the turn on the page.
		await showPage(page);
		await expect.poll(() => page.title(), POLL).toBe(STORE_TITLE);
		// Its notification is stale now: closed, and no second one.
		expect((await recorded(page)).made).toMatchObject([{ closed: true }]);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);
		expect(await page.title()).toBe(STORE_TITLE);
		expect(errors).toEqual([]);
	});
});
