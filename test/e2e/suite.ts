// The hooks every browser test file needs, registered by one call in its describe:
// the product and Chromium started together before the tests, every page a test
// opened screenshotted when it failed and closed after it, all closed at the end
// (and the servers in any case: test/support/node-setup.ts).

import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type StartOptions, startServer, type TestServer } from "../support/server.ts";
import { launch, screenshot } from "./browser.ts";

export interface BrowserSuite {
	/** The product under test; a test that restarts it puts the new one here. */
	server: TestServer;
	/** More servers with their own settings, started with the first (`others` option). */
	readonly others: TestServer[];
	readonly browser: Browser;
	/** The pages the running test opened, in order. */
	readonly pages: readonly Page[];
	/** Keeps `page` for the failure screenshots and closes its context after the test. */
	track<T extends { page: Page } | Page>(opened: T): T;
}

export function browserSuite(
	options: { server?: StartOptions; others?: StartOptions[] } = {},
): BrowserSuite {
	let server: TestServer | undefined;
	let browser: Browser | undefined;
	let others: TestServer[] = [];
	const pages: Page[] = [];
	beforeAll(async () => {
		[server, browser, others] = await Promise.all([
			startServer(options.server),
			launch(),
			Promise.all((options.others ?? []).map((o) => startServer(o))),
		]);
	});
	afterEach(async ({ task }) => {
		if (task.result?.state === "fail") {
			for (const [i, p] of pages.entries())
				await screenshot(p, `failed-${task.name.replace(/\W+/g, "-")}-${i}`).catch(() => {});
		}
		for (const p of pages.splice(0)) await p.context().close();
	});
	afterAll(async () => {
		await browser?.close();
		await Promise.all([server, ...others].map((s) => s?.dispose()));
	});
	return {
		get server() {
			return started(server, "server");
		},
		set server(restarted: TestServer) {
			server = restarted;
		},
		get others() {
			return others;
		},
		get browser() {
			return started(browser, "browser");
		},
		pages,
		track(opened) {
			pages.push("page" in opened ? opened.page : opened);
			return opened;
		},
	};
}

function started<T>(value: T | undefined, what: string): T {
	if (value === undefined) throw new Error(`the ${what} did not start (see beforeAll)`);
	return value;
}
