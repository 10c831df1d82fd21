// The server's own refusal of the live feed, in Chromium: a server started with
// MAX_LIVE_SOCKETS=1 keeps one viewer per SKU, so the second buyer's page meets the Worker's real
// 503 (the object's count of its sockets, mapped by src/worker/routes/live.ts), not a socket
// refused by Playwright's routing as in storefront-feed-refused.test.ts. The page behaves as
// docs/storefront.md "The live connection" says: it reads the product in the feed's place at
// once, the stock is not greyed and moves with the reads, Reserve works; and when the first
// viewer leaves, the place it frees brings the second page's feed back
// (docs/decisions/112-the-live-feeds-bound-as-a-setting.md).

import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { metric } from "./browser.ts";
import { upgradeAnswer } from "./live-upgrade.ts";
import {
	createDrop,
	DESKTOP_WIDE,
	feedText,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const LIVE_LINE = "Live: the stock updates as it changes.";
const READ_LINE =
	/^No live updates: the stock was read at \d{1,2}:\d{2}:\d{2}(?: [AP]M)? and is read again every 10 s\.$/;
/** The read in the feed's place comes every 10 s ± 20 %; its answer may be slow on a busy machine. */
const FALLBACK_WAIT_MS = 25_000;
/** The feed's reconnect attempts settle at every 10 s ± 20 % (src/web/api/live-protocol.ts). */
const RECONNECT_WAIT_MS = 30_000;

describe("storefront past the server's bound of live viewers", () => {
	const e2e = browserSuite({ server: { env: { MAX_LIVE_SOCKETS: "1" } } });

	it("the second viewer meets the real 503: reads in the feed's place, the stock stays live, Reserve works, and the feed comes back when a place frees", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 3 });

		// The first viewer takes the only place.
		const first = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(first.page);
		await expect.poll(() => feedText(first.page), POLL).toBe(LIVE_LINE);

		// The server's own answer to the next upgrade: what the page's WebSocket cannot read.
		const refused = await upgradeAnswer(e2e.server, sku);
		expect(refused.status, refused.body).toBe(503);
		expect(refused.retryAfter).toBe("5");
		expect(JSON.parse(refused.body)).toMatchObject({
			error: { code: "unavailable", message: "Too many live viewers; poll availability instead." },
		});

		// The second viewer: refused by the server, it reads the product at once instead.
		const second = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(second.page);
		await expect.poll(() => feedText(second.page), POLL).toMatch(READ_LINE);
		expect(await second.page.locator(".stale").count()).toBe(0);
		expect(await feedText(first.page)).toBe(LIVE_LINE);

		// Reserve works, and the page does not call the store out of reach.
		await second.page.getByRole("button", { name: "Reserve" }).click();
		await second.page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(
			await second.page.getByText(/This page cannot reach the store right now\./).count(),
		).toBe(0);
		// The viewer with the feed sees that hold as it happens.
		await expect.poll(() => metric(first.page, "Available"), POLL).toBe("2");

		// Another buyer's hold reaches the refused page through its reads (every 10 s).
		const other = await api<Reservation>(e2e.server, "POST", "/api/reservations", {
			token: await newBuyer(e2e.server),
			body: { sku, quantity: 1 },
		});
		expect(other.status, JSON.stringify(other.body)).toBe(201);
		await expect
			.poll(() => metric(second.page, "Available"), { ...POLL, timeout: FALLBACK_WAIT_MS })
			.toBe("1");
		expect(await feedText(second.page)).toMatch(READ_LINE);

		// The first viewer leaves: its place is free, and the second page's feed opens.
		await first.page.context().close();
		await expect
			.poll(() => feedText(second.page), { ...POLL, timeout: RECONNECT_WAIT_MS })
			.toBe(LIVE_LINE);
		expect(await second.page.locator(".stale").count()).toBe(0);
		// The place is taken again: the server refuses the next viewer.
		expect((await upgradeAnswer(e2e.server, sku)).status).toBe(503);

		for (const { errors } of [first, second])
			expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});
});
