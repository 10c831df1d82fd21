// The storefront's buyer session (docs/storefront.md, "The human check";
// docs/decisions/086-a-sessions-end-and-what-it-owns.md): it lasts what the server gave,
// counted on the page's clock from the answer, whatever that clock says; a hold that outlives
// the session is still paid from the page; and the next human check continues the same session,
// its place in a waiting room included.
// The server's sessions last SESSION_SECONDS here, so a session really ends during the test.
// The page offers to renew it ahead of its end ("Keeping your session", decision 130); the local
// check there needs a click that these tests never give, so the session ends all the same.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { api, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	holdTheOnlyUnit,
	openStore,
	POLL,
	statusText,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The server's session lifetime in this file: short enough to wait out, long enough to reserve. */
const SESSION_SECONDS = 15;
/** Waits that span a session's end (real time: the server ends it by its own clock). */
const PAST_THE_END = { timeout: (SESSION_SECONDS + 30) * 1000, interval: 200 };
const ORDER_HEADING = /^Order [0-9A-F]{4}-[0-9A-F]{4}$/;
const ENDED = "Your session ended. Verify again to go on with it";

/** The ticket of the session the page keeps (its sessionStorage), as the server answers it. */
async function pagesTicket(server: TestServer, page: Page, sku: string) {
	const stored = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
	const token = (JSON.parse(stored ?? "{}") as { token?: string }).token;
	const res = await api<Ticket>(server, "GET", `/api/products/${sku}/queue`, { token });
	return {
		status: res.status,
		ticketId: res.body.data?.ticketId,
		position: res.body.data?.position,
	};
}

describe("storefront: the buyer's session", () => {
	const e2e = browserSuite({ server: { env: { SESSION_TTL_SECONDS: String(SESSION_SECONDS) } } });

	it("keeps the session the server gave when the browser's clock is 25 minutes ahead", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
			p.clock.install({ time: Date.now() + 25 * 60_000 }),
		);
		e2e.track(page);
		// The check succeeds and Reserve is offered, counted down from the server's answer.
		await verify(page);
		await expect
			.poll(() => page.getByText(/^Verified · session ends in /).textContent(), POLL)
			.toMatch(/^Verified · session ends in 0:(0\d|1[0-5])$/);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(errors).toEqual([]);
	});

	it("pays a hold that outlived its session, and the next check continues the same session", async () => {
		const sku = await createDrop(e2e.server, { perUserLimit: 1, holdSeconds: 120 });
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();

		// The session ends (the human check is back); the hold, promised for two minutes, stays
		// on screen and is paid.
		await page.getByText(ENDED).waitFor(PAST_THE_END);
		await page.getByRole("checkbox", { name: "I am human" }).waitFor(POLL);
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: ORDER_HEADING }).waitFor(POLL);
		await expect.poll(() => statusText(page), POLL).toMatch(/is confirmed/);
		await page.getByText(ENDED).waitFor(POLL);

		// Verifying again is the same buyer: the order counts against the per-buyer limit.
		await verify(page);
		await page.getByText("You hold or bought 1 of 1 allowed per buyer.").waitFor(POLL);
		expect(await page.getByRole("button", { name: "Reserve" }).isDisabled()).toBe(true);
		expect(errors).toEqual([]);
	});

	it("keeps the buyer's place in the waiting room when the session ends during the wait", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			holdSeconds: 600,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// Someone ahead holds the only unit for ten minutes.
		await holdTheOnlyUnit(e2e.server, sku);

		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor(POLL);
		const before = await pagesTicket(e2e.server, page, sku);
		expect(before).toMatchObject({ status: 200, position: 1 });
		// Another buyer joins behind.
		const behind = await newBuyer(e2e.server);
		const second = await api<Ticket>(e2e.server, "POST", `/api/products/${sku}/queue`, {
			token: behind,
		});
		expect(second.body.data?.position).toBe(2);

		// The session ends while the buyer waits; verifying again keeps the place, ahead of the
		// buyer who joined later.
		const human = page.getByRole("checkbox", { name: "I am human" });
		await page.getByText(ENDED).waitFor(PAST_THE_END);
		expect(await page.getByText(ENDED).count()).toBe(1);
		// The ended session's check, not the renewal offered before the end.
		expect(await page.getByRole("heading", { name: "Keeping your session" }).count()).toBe(0);
		expect(await human.count()).toBe(1);
		// By keyboard, as verify() does: check() reads the box again after its click, and the box is
		// gone once the session is made (storefront-support.ts verify).
		await human.focus();
		await page.keyboard.press("Space");
		await page.getByRole("heading", { name: "Waiting room" }).waitFor(POLL);
		const place = page.getByText("Your place in line: 1");
		const join = page.getByRole("button", { name: "Join the queue" });
		await expect
			.poll(async () => [await place.isVisible(), await join.count()], POLL)
			.toEqual([true, 0]);
		// The server agrees: the page's session (renewed) has the same ticket, still first. Polled:
		// the place shows in the render, the renewed token reaches sessionStorage in that render's
		// effect, a frame later (stored.ts useStored).
		await expect.poll(() => pagesTicket(e2e.server, page, sku), POLL).toEqual(before);
		expect(errors).toEqual([]);
	});
});
