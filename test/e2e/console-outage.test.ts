// The operator console in Chromium while the API fails: polling that backs off with jitter
// and recovers when the API answers again, and an audit trail that says when its read failed
// and reads again within the server's Retry-After; Live counters that follow the stats while
// the live socket is down, beside a badge that counts down to its next try. The console's
// normal work: console.test.ts.

import type { BrowserContext, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import {
	collectPageErrors,
	DESKTOP,
	metric,
	openContext,
	pauseSoon,
	regionSays,
	roomTaken,
	SAYS_NOTHING,
	screenshot,
} from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

describe("operator console while the API fails", () => {
	const e2e = browserSuite();

	/**
	 * A new 5-unit drop and the console signed in on it, the page's timers on a clock the
	 * test moves (a minute passes in a few seconds).
	 */
	async function openOnNewDrop(
		prefix: string,
		name: string,
		beforeOpen: (context: BrowserContext) => Promise<void> = async () => {},
	) {
		const sku = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
		expect(
			(
				await api(e2e.server, "POST", "/api/admin/products", {
					token: e2e.server.adminToken,
					body: { sku, name, priceCents: 100, currency: "USD", totalStock: 5 },
				})
			).status,
		).toBe(201);
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		await beforeOpen(context);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.clock.install();
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		return { sku, context, page, errors };
	}

	it("keeps its empty status and alert regions in the accessibility tree, taking no room", async () => {
		const { page, errors } = await openOnNewDrop("EMPTY", "Empty regions");
		await expect.poll(() => metric(page, "Available"), POLL).toBe("5");
		// With nothing to say (no action yet, the API answering, no oversell) the console's
		// notices, its problems and the oversell alert are found by role all the same, say
		// nothing and move nothing on screen.
		const regions = [
			page.getByRole("status", { name: "Console status", exact: true }),
			page.getByRole("alert", { name: "Console status: problem", exact: true }),
			page.getByRole("status", { name: "Stats problem", exact: true }),
			page.getByRole("status", { name: "Audit trail problem", exact: true }),
			page.getByRole("alert", { name: "Oversold", exact: true }),
		];
		for (const region of regions) {
			expect(await region.count()).toBe(1);
			expect(await regionSays(region)).toEqual(SAYS_NOTHING);
			expect(await roomTaken(region)).toBeLessThan(0.5);
		}
		expect(errors).toEqual([]);
	});

	it("backs off with jitter while the API fails, and recovers when it answers again", async () => {
		const { sku, context, page, errors } = await openOnNewDrop("BACKOFF", "Backoff");
		await expect.poll(() => metric(page, "Available"), POLL).toBe("5");

		// The API goes down (the live socket stays: only the console's polls fail).
		let failed = 0;
		const polled = (url: URL) =>
			url.pathname === `/api/admin/products/${sku}/stats` ||
			url.pathname === `/api/admin/products/${sku}/events`;
		await context.route(polled, async (route) => {
			failed += 1;
			await route.abort("internetdisconnected");
		});
		const minute = async () => {
			for (let s = 0; s < 60; s++) {
				await page.clock.runFor(1_000);
				// Let the page's aborted fetches settle before the next second.
				await page.waitForTimeout(20);
			}
		};
		await minute();
		// Before: one stats poll a second and one events poll every 1.5 s, about 100 a minute.
		// With backoff: each stream waits 1, 2, 4, 8, 16, then 30 s (from half of each, jittered).
		console.info(`failed polls in one simulated minute of outage: ${failed}`);
		expect(failed).toBeGreaterThanOrEqual(4);
		expect(failed).toBeLessThanOrEqual(20);
		const problem = page.getByRole("status", { name: "Stats problem" });
		expect(await problem.textContent()).toMatch(
			/^Stats unavailable: Could not reach the server\. Check your connection and try again\. Next try at .+\.$/,
		);
		await expectNoSeriousA11yViolations(page, "console: API unreachable");
		await screenshot(page, "console-api-unreachable");

		// The API is back: within one backoff the console polls again at its normal cadence.
		await context.unroute(polled);
		const token = await newBuyer(e2e.server);
		await api(e2e.server, "POST", "/api/reservations", {
			token,
			body: { sku },
		});
		for (let s = 0; s < 35 && (await problem.textContent()) !== ""; s++) {
			await page.clock.runFor(1_000);
			await page.waitForTimeout(50);
		}
		// The problem is gone: its region, still in the page, says and shows nothing. (The last
		// poll's answer may still be on its way on a loaded machine: awaited in real time.)
		await expect.poll(() => regionSays(problem), POLL).toEqual(SAYS_NOTHING);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("1");
		let answered = 0;
		const count = (r: { url(): string }) => {
			if (polled(new URL(r.url()))) answered += 1;
		};
		page.on("requestfinished", count);
		// Ten simulated seconds in quarter-second steps, so a poll that answers is followed
		// closely by its next one.
		for (let s = 0; s < 40; s++) {
			await page.clock.runFor(250);
			await page.waitForTimeout(20);
		}
		page.off("requestfinished", count);
		console.info(`answered polls in ten simulated seconds after recovery: ${answered}`);
		// Back at the normal cadence (1 s and 1.5 s): far more than the one or two polls that
		// 10 s of a 15–30 s backoff would allow.
		expect(answered).toBeGreaterThanOrEqual(6);
		expect(errors).toEqual([]);
		await context.close();
	});

	it("says when the audit trail's read failed, and reads it again within the server's Retry-After", async () => {
		const { sku, context, page, errors } = await openOnNewDrop("TRAIL", "Trail");
		const trail = page.getByRole("table", { name: "Audit trail, newest first" });
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/product\.created/);

		// The events route answers what it answers while D1 refuses writes (docs/api.md, "D1 and
		// KV outages"): 503 `unavailable` with Retry-After 5. The stats keep answering.
		const events = (url: URL) => url.pathname === `/api/admin/products/${sku}/events`;
		await context.route(events, (route) =>
			route.fulfill({
				status: 503,
				headers: { "content-type": "application/json", "retry-after": "5" },
				body: JSON.stringify({
					error: { code: "unavailable", message: "The audit trail is catching up." },
					meta: { requestId: "test" },
				}),
			}),
		);
		const second = async (n: number) => {
			for (let s = 0; s < n; s++) {
				await page.clock.runFor(1_000);
				await page.waitForTimeout(20);
			}
		};
		// A minute of outage: without the server's Retry-After the wait would have grown to 15-30 s.
		await second(60);
		const problem = page.getByRole("status", { name: "Audit trail problem" });
		expect(await problem.textContent()).toMatch(
			/^Audit trail not updating: its read at .+ failed\. The service is busy\. Please retry in 5 seconds\. The rows below are as of the last read that worked\. Next try at .+\.$/,
		);
		expect(await regionSays(page.getByRole("status", { name: "Stats problem" }))).toEqual(
			SAYS_NOTHING,
		);
		await expectNoSeriousA11yViolations(page, "console: audit trail unavailable");
		await screenshot(page, "console-trail-unavailable");

		// A reservation during the outage, then the route answers again: read within ~6 s.
		const token = await newBuyer(e2e.server);
		await api(e2e.server, "POST", "/api/reservations", { token, body: { sku } });
		// The page's clock moves until the page has sent its read again (at most 8 s, the
		// Retry-After and a margin); the answer then arrives in real time, which a loaded machine
		// can stretch past several of those steps, so it is awaited without moving the clock.
		let readsAgain = 0;
		page.on("request", (request) => {
			if (events(new URL(request.url()))) readsAgain++;
		});
		await context.unroute(events);
		for (let s = 0; s < 8 && readsAgain === 0; s++) await second(1);
		expect(readsAgain).toBeGreaterThan(0);
		await expect.poll(() => regionSays(problem), POLL).toEqual(SAYS_NOTHING);
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/reservation\.created/);
		// The browser notes every 503 answer in its console; nothing else may show up there.
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
		await context.close();
	});
	it("follows the stats while the live socket is down, and counts down to its next try", async () => {
		// The live socket passes through to the server until `away`; then the page's sockets
		// are closed and every new one is refused (it closes without opening), as while the
		// server restarts, while the API keeps answering.
		let away = false;
		const sockets: WebSocketRoute[] = [];
		const { sku, context, page, errors } = await openOnNewDrop("LIVEDOWN", "Live down", (c) =>
			c.routeWebSocket(/\/api\/products\/[^/]+\/live/, (ws) => {
				if (away) return ws.close({ code: 1011, reason: "test: the server is away" });
				ws.connectToServer();
				sockets.push(ws);
			}),
		);
		const badge = page.getByText(/^(Live|Connecting…|Reconnecting in \d+ s)$/);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");
		await expect.poll(() => metric(page, "Available"), POLL).toBe("5");
		// The badge is not a live region; the change of state is said once in a polite status.
		const said = page.getByRole("status", { name: "Live updates" });
		expect(await said.textContent()).toBe("");
		const tick = async (ms: number) => {
			await page.clock.runFor(ms);
			await page.waitForTimeout(20);
		};

		away = true;
		for (const ws of sockets.splice(0)) await ws.close({ code: 1011, reason: "test: restart" });
		await expect.poll(() => badge.textContent(), POLL).toMatch(/^Reconnecting in \d+ s$/);
		await expect
			.poll(() => said.textContent(), POLL)
			.toBe(
				"Live updates stopped: the counters are still read from the server every few seconds while the page reconnects.",
			);

		// A hold while the socket is down: no frame says so, the stats do, within a poll or two.
		const token = await newBuyer(e2e.server);
		const hold = await api(e2e.server, "POST", "/api/reservations", { token, body: { sku } });
		expect(hold.status).toBe(201);
		for (let i = 0; i < 12 && (await metric(page, "Available")) !== "4"; i++) await tick(250);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("4");
		expect(await metric(page, "Reserved")).toBe("1");
		expect(await regionSays(page.getByRole("status", { name: "Stats problem" }))).toEqual(
			SAYS_NOTHING,
		);

		// Refused again and again, the wait grows to 8-12 s; the badge counts it down. The page's
		// clock stops flowing by itself meanwhile, so three seconds are three seconds.
		for (let s = 0; s < 25; s++) await tick(1_000);
		await pauseSoon(page);
		const seconds = async () =>
			Number(/^Reconnecting in (\d+) s$/.exec((await badge.textContent()) ?? "")?.[1] ?? NaN);
		for (let i = 0; i < 60 && !((await seconds()) >= 6); i++) await tick(250);
		const first = await seconds();
		expect(first).toBeGreaterThanOrEqual(6);
		await screenshot(page, "console-live-socket-down");
		for (let i = 0; i < 12; i++) await tick(250);
		const later = await seconds();
		// Three seconds later, in the same wait: three fewer (two, with the rounding up).
		expect(later).toBeLessThanOrEqual(first - 2);
		expect(later).toBeGreaterThanOrEqual(first - 3);
		await page.clock.resume();

		// The server is back: the socket reconnects within its wait and carries changes again.
		away = false;
		for (let s = 0; s < 15 && (await badge.textContent()) !== "Live"; s++) await tick(1_000);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");
		await expect.poll(() => said.textContent(), POLL).toBe("Live updates are back.");
		const second = await api(e2e.server, "POST", "/api/reservations", {
			token: await newBuyer(e2e.server),
			body: { sku },
		});
		expect(second.status).toBe(201);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("3");
		expect(errors).toEqual([]);
		await context.close();
	});
});
