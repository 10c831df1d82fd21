// A turn that comes while the page is in the background: the tab's title says it is the buyer's
// turn and the time left, and is the store's own again once the page is shown; the ticket's reads
// while hidden are not timers Chrome throttles to one wake-up a minute, so the turn is seen within
// a poll, not a minute late (docs/storefront.md, "A turn in a background tab";
// docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md). The page is hidden
// as Chromium hides one (background-tab.ts): headless Chromium keeps pages visible.

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
/** A waiting ticket with no estimate is read every 15 s ±25 % (queue-poll.ts). */
const READ_WAIT = { timeout: 45_000, interval: 250 };

describe("storefront: a turn that comes while the tab is in the background", () => {
	const e2e = browserSuite();

	it("the hidden tab's title says the turn and the time left, its reads stay unthrottled, and shown it is the store's title again", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			perUserLimit: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 60 },
		});
		const ahead = await holdTheOnlyUnit(e2e.server, sku);
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, emulateBackgroundTabs),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		expect(await page.title()).toBe(STORE_TITLE);

		// The buyer goes to another tab and waits there: the page goes on reading its ticket.
		await hidePage(page);
		expect(await page.title()).toBe(STORE_TITLE);
		const hiddenReads = async () => (await ticketReads(page)).filter((r) => r.hidden);
		await expect.poll(async () => (await hiddenReads()).length, READ_WAIT).toBeGreaterThan(1);

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
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);
		expect(await page.title()).toBe(STORE_TITLE);
		expect(errors).toEqual([]);
	});
});
