// A live socket a network drops without a close, in Chromium
// (docs/decisions/192-a-socket-gone-silent-is-lost.md): the page's WebSocket goes through the
// test, which stops passing the first socket's frames either way without closing it, as a phone
// changing networks or a router's idle timeout does. Before, the page said "Live" over frozen
// stock for as long as the tab stayed open. Now its keep-alive goes unanswered, it gives the
// socket up (closing it with 4000), reconnects, and shows the change made meanwhile. The server
// names a 5-s idle bound, so the page sends a keep-alive every second and meets the silence
// within LIVE_ANSWER_WAIT_MS (10 s) of it; the silent-feed probe (15 s) is the unit test's.

import type { WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { LIVE_NO_ANSWER_CLOSE_CODE } from "../../src/web/api/live-source.ts";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { metric } from "./browser.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const IDLE_SECONDS = 5;
const LIVE_LINE = "Live: the stock updates as it changes.";
/** The answer wait and a reconnect's first backoff, with a loaded machine's margin. */
const GIVEN_UP = { timeout: 30_000, interval: 100 };

describe("storefront live feed gone silent", () => {
	const e2e = browserSuite({ server: { env: { LIVE_IDLE_SECONDS: String(IDLE_SECONDS) } } });

	it("gives up a socket whose keep-alive goes unanswered, reconnects, and shows the stock it missed", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 3 });
		let silent = false;
		const routed: WebSocketRoute[] = [];
		/** The code the page closed the first socket with (the route may report the close again). */
		const firstClosed: (number | undefined)[] = [];
		const buyer = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
				p.routeWebSocket(/\/api\/products\/[^/]+\/live/, (ws) => {
					const server = ws.connectToServer();
					const first = routed.length === 0;
					routed.push(ws);
					const passes = () => !(first && silent);
					ws.onMessage((m) => {
						if (passes()) server.send(m);
					});
					server.onMessage((m) => {
						if (passes()) ws.send(m);
					});
					ws.onClose((code, reason) => {
						if (first) firstClosed.push(code);
						void server.close({ code, reason });
					});
				}),
			),
		);
		const { page } = buyer;
		await verify(page);
		await expect.poll(() => feedText(page), POLL).toBe(LIVE_LINE);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("3");

		// The first socket goes silent, open on both ends; another buyer holds a unit meanwhile.
		silent = true;
		const hold = await api(e2e.server, "POST", "/api/reservations", {
			token: await newBuyer(e2e.server),
			body: { sku },
		});
		expect(hold.status, JSON.stringify(hold.body)).toBe(201);

		// The page gave the silent socket up and connected again; the new socket brings the hold.
		await expect.poll(() => firstClosed[0], GIVEN_UP).toBe(LIVE_NO_ANSWER_CLOSE_CODE);
		await expect.poll(() => routed.length, GIVEN_UP).toBe(2);
		await expect.poll(() => metric(page, "Available"), GIVEN_UP).toBe("2");
		await expect.poll(() => feedText(page), POLL).toBe(LIVE_LINE);
		expect(buyer.errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});
});
