// The live feed's places per address, in Chromium: a server started with
// MAX_LIVE_SOCKETS_PER_ADDRESS=1 lets this machine's one address hold one socket of a SKU's feed.
// The first page has it; the next upgrade from the same address is the Worker's real 429 naming
// the bound, while one from another address is taken; the second page from this address meets
// that 429 as it meets the full feed's 503 (a socket closed before it opened, which its WebSocket
// cannot read), and reads the product in the feed's place at once, not greyed
// (docs/decisions/128-live-feed-places-per-address.md; docs/storefront.md "The live connection").
// Both pages are real Chromium pages, so their Origin passed the upgrade's check.

import { describe, expect, it } from "vitest";
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

describe("storefront past its address's places on the live feed", () => {
	const e2e = browserSuite({ server: { env: { MAX_LIVE_SOCKETS_PER_ADDRESS: "1" } } });

	it("the second page from one address meets the real 429 and reads instead; another address still gets the feed", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 3 });

		const first = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(first.page);
		await expect.poll(() => feedText(first.page), POLL).toBe(LIVE_LINE);

		// This machine's address has its one place; another address (locally the header is
		// trusted, docs/rate-limits.md "Client IPs locally") is still taken.
		const refused = await upgradeAnswer(e2e.server, sku);
		expect(refused.status, refused.body).toBe(429);
		expect(refused.retryAfter).toBe("5");
		expect(JSON.parse(refused.body)).toMatchObject({
			error: {
				code: "rate_limited",
				message:
					"Your address already has 1 live feed of this product open, as many as one address may: close one, or read availability instead.",
			},
		});
		const elsewhere = await upgradeAnswer(e2e.server, sku, { "cf-connecting-ip": "203.0.113.9" });
		expect(elsewhere.status, elsewhere.body).toBe(101);

		const second = e2e.track(await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE));
		await verify(second.page);
		await expect.poll(() => feedText(second.page), POLL).toMatch(READ_LINE);
		expect(await second.page.locator(".stale").count()).toBe(0);
		expect(await feedText(first.page)).toBe(LIVE_LINE);

		for (const { errors } of [first, second])
			expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});
});
