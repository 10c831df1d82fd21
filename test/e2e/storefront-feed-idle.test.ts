// The live feed's idle places, in Chromium (docs/decisions/139-the-live-feeds-idle-places.md): a
// server started with LIVE_IDLE_SECONDS=4 and MAX_LIVE_SOCKETS_PER_ADDRESS=1, so this machine's
// one address holds one place. A page in view sends the keep-alive and keeps its place past the
// bound (the next upgrade from the address is still 429). Out of view (the document's
// visibility emulated, as a tab in the background) it sends nothing: past the bound its place is
// freed for the next upgrade (101) by closing its socket with 4408, and the page neither retries
// nor reads the product in the feed's place while out of view, and its stock line says exactly
// that (docs/decisions/148-a-listen-only-feed-kept.md); back in view it connects again at once
// and is live.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
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

const IDLE_SECONDS = 4;
/** Longer than the bound by a margin a loaded machine's timers keep. */
const PAST_THE_BOUND_MS = (IDLE_SECONDS + 2) * 1000;
/** Longer than the storefront's reads in the feed's place (every 10 s ±20 %) would wait. */
const PAST_A_FALLBACK_READ_MS = 13_000;
const LIVE_LINE = "Live: the stock updates as it changes.";
/** The paused feed's whole line: it says what the page does (nothing until back in view). */
const PAUSED_LINE =
	/^Stock may be stale: live updates paused at \d{1,2}:\d{2}:\d{2}(?: [AP]M)? while this tab is in the background; they resume when you come back to it\.$/;

/** The page out of view or back in it, as the browser says when its tab goes to the background. */
function setHidden(page: Page, hidden: boolean): Promise<void> {
	return page.evaluate((h) => {
		Object.defineProperty(document, "visibilityState", {
			configurable: true,
			get: () => (h ? "hidden" : "visible"),
		});
		Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
		document.dispatchEvent(new Event("visibilitychange"));
	}, hidden);
}

describe("storefront live feed's idle close", () => {
	const e2e = browserSuite({
		server: {
			env: { MAX_LIVE_SOCKETS_PER_ADDRESS: "1", LIVE_IDLE_SECONDS: String(IDLE_SECONDS) },
		},
	});

	it("a page in view keeps its place; out of view past the bound it is freed, and the page reconnects back in view", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 3 });
		let sockets = 0;
		const productReads: string[] = [];
		const buyer = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, async (p) => {
				p.on("websocket", (ws) => {
					if (ws.url().includes(`/api/products/${sku}/live`)) sockets += 1;
				});
				p.on("request", (req) => {
					if (new URL(req.url()).pathname === `/api/products/${sku}`) productReads.push(req.url());
				});
			}),
		);
		const { page } = buyer;
		await verify(page);
		await expect.poll(() => feedText(page), POLL).toBe(LIVE_LINE);

		// In view, past the bound: the keep-alives kept the page's place.
		await sleep(PAST_THE_BOUND_MS);
		const kept = await upgradeAnswer(e2e.server, sku);
		expect(kept.status, kept.body).toBe(429);
		expect(await feedText(page)).toBe(LIVE_LINE);

		// Out of view, past the bound: the next upgrade from the address takes the place.
		await setHidden(page, true);
		await sleep(PAST_THE_BOUND_MS);
		const freed = await upgradeAnswer(e2e.server, sku);
		expect(freed.status, freed.body).toBe(101);
		await expect.poll(() => feedText(page), POLL).toMatch(PAUSED_LINE);

		// Paused out of view: no new socket, no read in the feed's place, and the line says so.
		const readsBefore = productReads.length;
		await sleep(PAST_A_FALLBACK_READ_MS);
		expect(productReads.length).toBe(readsBefore);
		expect(sockets).toBe(1);
		expect(await feedText(page)).toMatch(PAUSED_LINE);

		// Back in view: connects again at once (the upgrade above left its place at once).
		await setHidden(page, false);
		await expect.poll(() => feedText(page), POLL).toBe(LIVE_LINE);
		expect(sockets).toBe(2);
		expect(buyer.errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
	});
});
