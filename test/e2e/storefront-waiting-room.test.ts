// The waiting page in Chromium (docs/waiting-room.md): a buyer joins the queue behind
// someone holding the only unit, sees their place, is let in when that hold is
// cancelled, reserves and pays; a buyer behind them sees "sold out" as soon as
// nothing can come back; the console shows the room's figures. The other buyers act
// through the API.

import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { metric, openContext, screenshot } from "./browser.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	holdTheOnlyUnit,
	openStore,
	PHONE,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The page polls its ticket with backoff and jitter (at most ~19 s apart while waiting). */
const QUEUE_POLL = { ...POLL, timeout: 40_000 };
/** The shortest admission a room takes (src/domain/waiting-room-records.ts). */
const SHORT_ADMIT_SECONDS = 10;
/** The verify step's pointer to the queue: untrue once the waiting card has its last word. */
const JOIN_NEXT = "You are verified. Join the queue to get your turn.";
/**
 * Failed ticket reads an outage builds up in the test below: the next read then waits
 * 24–40 s (src/web/storefront/queue-poll.ts, 2 s doubled per failure, ±25 %).
 */
const OUTAGE_FAILED_READS = 4;
/**
 * How long the turn may take to show once the feed is back: past the read spread after a
 * reconnect (RECONNECT_READ_SPREAD_MS, 2 s) with room for a loaded machine, and well short
 * of the 24 s the outage's backoff would wait.
 */
const AFTER_RECONNECT = { timeout: 15_000 };

describe("storefront waiting room", () => {
	const e2e = browserSuite();

	async function openAndVerify(
		sku: string,
		viewport = PHONE,
		before?: (page: Page) => Promise<void>,
	) {
		const buyer = e2e.track(await openStore(e2e.browser, e2e.server, sku, viewport, before));
		await verify(buyer.page, "Waiting room");
		return buyer;
	}

	it("shows the place in line, lets the buyer in when a unit comes back, through to a paid order; sold out for the next", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// Someone ahead holds the only unit.
		const ahead = await holdTheOnlyUnit(e2e.server, sku);

		const { page, errors } = await openAndVerify(sku, DESKTOP_WIDE);
		// No Reserve before the buyer's turn.
		expect(await page.getByRole("button", { name: "Reserve" }).count()).toBe(0);
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor();
		await expectNoSeriousA11yViolations(page, "waiting");
		await screenshot(page, "storefront-waiting-room");

		// A buyer behind, on a phone.
		const behind = await openAndVerify(sku, PHONE);
		await behind.page.getByRole("button", { name: "Join the queue" }).click();
		await behind.page.getByText("Your place in line: 2").waitFor();

		// The hold ahead is cancelled: the unit is back and the buyer's turn comes by itself.
		const cancel = await api(e2e.server, "DELETE", `/api/reservations/${ahead.reservationId}`, {
			token: ahead.token,
		});
		expect(cancel.status).toBe(200);
		await page
			.getByText(/It is your turn: reserve within/)
			.waitFor({ timeout: QUEUE_POLL.timeout });
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await expect
			.poll(
				() =>
					behind.page.getByText(/^Sold out: every unit is sold and no hold can come back/).count(),
				QUEUE_POLL,
			)
			.toBe(1);
		// Sold out is the card's last word: the verify step's "join the queue" is gone.
		await expect.poll(() => behind.page.getByText(JOIN_NEXT).count(), POLL).toBe(0);
		await screenshot(behind.page, "storefront-waiting-room-sold-out");
		expect(errors).toEqual([]);
		expect(behind.errors).toEqual([]);

		// The console shows the room's figures for the drop.
		const consolePage = e2e.track(
			await (await openContext(e2e.browser, e2e.server.url, DESKTOP_WIDE)).newPage(),
		);
		await consolePage.goto(`/console?sku=${sku}`);
		await consolePage.getByLabel("Operator token").fill(e2e.server.adminToken);
		await consolePage.getByRole("button", { name: "Sign in" }).click();
		await consolePage.getByRole("heading", { name: "Waiting room" }).waitFor();
		await expect.poll(() => metric(consolePage, "Sold-out tickets"), POLL).toBe("1");
		expect(await metric(consolePage, "In line")).toBe("0");
		expect(await metric(consolePage, "Admitted in all")).toBe("2");
		await screenshot(consolePage, "console-waiting-room");
	});

	it("says the turn passed when an admission runs out unused, and offers neither Reserve nor a second turn", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: SHORT_ADMIT_SECONDS },
		});
		const { page, errors } = await openAndVerify(sku);
		await page.getByText(JOIN_NEXT).waitFor();
		// The ticket states the page reads back from the server.
		const states: string[] = [];
		page.on("response", (r) => {
			if (r.request().method() === "GET" && r.url().endsWith(`/api/products/${sku}/queue`))
				void r
					.json()
					.then((b: { data?: Ticket }) => b.data && states.push(b.data.state))
					.catch(() => {});
		});
		await page.getByRole("button", { name: "Join the queue" }).click();
		// Units are free: the turn comes at once.
		await page.getByText(/It is your turn: reserve within/).waitFor();
		await page.getByRole("button", { name: "Reserve" }).waitFor();
		// The buyer lets it run out.
		await page
			.getByText(
				`Your turn passed: the ${SHORT_ADMIT_SECONDS} seconds to reserve ran out. Each buyer gets one turn.`,
			)
			.waitFor({ timeout: QUEUE_POLL.timeout });
		expect(await page.getByRole("button", { name: "Reserve" }).count()).toBe(0);
		expect(await page.getByRole("button", { name: "Join the queue" }).count()).toBe(0);
		// The verify step's sentence above the card no longer points to a queue to join.
		await expect.poll(() => page.getByText(JOIN_NEXT).count(), POLL).toBe(0);
		// The server's word too: the page reads the ticket again once the turn has ended.
		await expect.poll(() => states.includes("expired"), QUEUE_POLL).toBe(true);
		await screenshot(page, "storefront-waiting-room-turn-passed");
		expect(errors).toEqual([]);
	});

	it("thanks a buyer who bought in the turn once the turn is over", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: SHORT_ADMIT_SECONDS },
		});
		const { page, errors } = await openAndVerify(sku);
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await page.getByRole("heading", { name: /^Order / }).waitFor();
		await page
			.getByText("Your turn is over. Thank you for your order.")
			.waitFor({ timeout: QUEUE_POLL.timeout });
		expect(await page.getByText(/Your turn passed/).count()).toBe(0);
		expect(await page.getByRole("button", { name: "Reserve" }).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	it("keeps the turn beside a hold whose end the store could not confirm: both true, and Reserve works in the turn", async () => {
		// A hold shorter than the turn: it ends while the buyer may still reserve.
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			holdSeconds: 5,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		const { page, errors } = await openAndVerify(sku);
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		// Every read of the hold is refused (the read limiter's 429) while its end passes.
		await page.route("**/api/reservations/*", (route) =>
			route.request().method() !== "GET"
				? route.fallback()
				: route.fulfill({
						status: 429,
						headers: { "content-type": "application/json", "retry-after": "1" },
						body: JSON.stringify({
							error: { code: "rate_limited", message: "Too many requests." },
							meta: { requestId: "stand-in" },
						}),
					}),
		);
		const unconfirmed = page.getByText(/could not confirm it yet\.\)$/);
		await unconfirmed.waitFor({ timeout: 30_000 });
		// On screen together: the hold ended by the store's clock (the page says it could not
		// confirm it), and the turn, which lasts apart from the hold, still lets the buyer reserve.
		const turn = page.getByRole("timer", { name: "Time left in your turn" });
		expect(await turn.textContent()).toMatch(/^It is your turn: reserve within \d+:\d{2}\.$/);
		await page.unroute("**/api/reservations/*");
		await page.getByRole("button", { name: "Reserve" }).click();
		// The hold ended unpaid a moment ago: the session's next hold of the SKU may have to wait
		// out the cool-down (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md),
		// which the turn outlasts; then Reserve works in the turn.
		const held = page.getByRole("heading", { name: "1 unit held for you" });
		const waiting = page.getByRole("button", { name: /^Wait \d+ s$/ });
		await held.or(waiting).first().waitFor();
		if (await waiting.isVisible()) {
			await page.getByRole("button", { name: "Reserve" }).waitFor({ timeout: 30_000 });
			expect(await turn.textContent()).toMatch(/^It is your turn: reserve within \d+:\d{2}\.$/);
			await page.getByRole("button", { name: "Reserve" }).click();
		}
		await held.waitFor();
		expect(errors.filter((e) => !/429|Too Many Requests/.test(e))).toEqual([]);
	});

	it("asks for its ticket as soon as the live feed is back, so a turn given after an outage is not lost to the outage's backoff", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		// Someone ahead holds the only unit.
		const ahead = await holdTheOnlyUnit(e2e.server, sku);

		// The page's feed can be dropped and its ticket reads cut, as an outage would.
		const feed: { toPage: WebSocketRoute | null } = { toPage: null };
		const ticketReads = { down: false, failed: 0, answered: 0 };
		const { page } = await openAndVerify(sku, DESKTOP_WIDE, async (p) => {
			await p.routeWebSocket(/\/live(\?|$)/, (ws) => {
				feed.toPage = ws;
				ws.connectToServer();
			});
			await p.route(`**/api/products/${sku}/queue`, (route) => {
				if (route.request().method() !== "GET") return route.continue();
				if (ticketReads.down) {
					ticketReads.failed += 1;
					return route.abort("connectionrefused");
				}
				ticketReads.answered += 1;
				return route.continue();
			});
		});
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor();

		// The outage: ticket reads fail until the page has backed off a long way.
		ticketReads.down = true;
		await expect
			.poll(() => ticketReads.failed, { timeout: 90_000, interval: 250 })
			.toBeGreaterThanOrEqual(OUTAGE_FAILED_READS);
		// The hold ahead is cancelled (the server admits this buyer), the server is reachable
		// again, and the feed drops and comes back, as after a restart.
		const cancel = await api(e2e.server, "DELETE", `/api/reservations/${ahead.reservationId}`, {
			token: ahead.token,
		});
		expect(cancel.status).toBe(200);
		ticketReads.down = false;
		const answeredBefore = ticketReads.answered;
		await feed.toPage?.close();
		await page.getByText(/It is your turn: reserve within/).waitFor(AFTER_RECONNECT);
		expect(ticketReads.answered).toBeGreaterThan(answeredBefore);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
	});
});
