// A buyer in a waiting room's pre-queue, as the session-renewal tests start (storefront-session-renewal,
// storefront-hidden-renewal): a drop with a room that starts at `startsAtMs`, the store opened
// with the Turnstile stand-in passing without a click, the buyer joined. And the page sent to the
// background as the Page Visibility API reports it (headless Chromium keeps the page running, as
// a background tab does, only slower).

import type { Page } from "playwright-core";
import { createDrop, DESKTOP_WIDE, openStore, POLL } from "./storefront-support.ts";
import type { BrowserSuite } from "./suite.ts";
import { standInTurnstile } from "./turnstile-stand-in.ts";

export interface InPreQueue {
	sku: string;
	page: Page;
	errors: string[];
	/** The buyer session as the page keeps it (sessionStorage `rg.buyer.session`). */
	joined: { sessionId?: string; endsAtMs?: number };
}

export async function joinPreQueue(e2e: BrowserSuite, startsAtMs: number): Promise<InPreQueue> {
	const sku = await createDrop(e2e.server, {
		totalStock: 2,
		perUserLimit: 1,
		startsAt: new Date(startsAtMs).toISOString(),
		waitingRoom: { enabled: true, overbook: 0, admitSeconds: 60 },
	});
	const { page, errors } = e2e.track(
		await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, (p) =>
			standInTurnstile(p.context(), { withoutClick: true }),
		),
	);
	// The check passes by itself; the buyer joins the pre-queue.
	await page.getByRole("heading", { name: "Waiting room" }).waitFor(POLL);
	await page.getByRole("button", { name: "Join the queue" }).click();
	await page
		.getByText(/pre-queue/)
		.first()
		.waitFor(POLL);
	const stored = await page.evaluate(() => sessionStorage.getItem("rg.buyer.session"));
	const joined = JSON.parse(stored ?? "{}") as InPreQueue["joined"];
	return { sku, page, errors, joined };
}

/** The page goes out of view: hidden as document.visibilityState says, with its event. */
export function hide(page: Page): Promise<void> {
	return page.evaluate(() => {
		Object.defineProperty(document, "visibilityState", { configurable: true, value: "hidden" });
		Object.defineProperty(document, "hidden", { configurable: true, value: true });
		document.dispatchEvent(new Event("visibilitychange"));
	});
}

/** From here on, `window.sawCheck` says whether the human check's card ever showed. */
export function watchForCheck(page: Page): Promise<void> {
	return page.evaluate(() => {
		const w = window as unknown as { sawCheck: boolean };
		w.sawCheck = false;
		new MutationObserver(() => {
			if (document.getElementById("verify-title") !== null) w.sawCheck = true;
		}).observe(document.body, { childList: true, subtree: true });
	});
}

/** The page comes back into view (undoes `hide`). */
export function show(page: Page): Promise<void> {
	return page.evaluate(() => {
		delete (document as unknown as { visibilityState?: string }).visibilityState;
		delete (document as unknown as { hidden?: boolean }).hidden;
		document.dispatchEvent(new Event("visibilitychange"));
	});
}
